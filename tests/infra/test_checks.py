"""Independent checks over the synthesized app: cdk-nag (both packs) and cfn-lint."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import Stack
from aws_cdk import aws_s3 as s3

from stacks.platform_app import build_app
from tests.synth import SynthesizedApp, cdk_json_context


def test_whole_app_synthesizes_with_a_clean_validation_report(synthesized: SynthesizedApp) -> None:
    report = json.loads((synthesized.outdir / "validation-report.json").read_text())
    violations = [
        (plugin["pluginName"], violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    ]
    assert violations == []


def test_every_account_is_synthesized(synthesized: SynthesizedApp) -> None:
    stages = {path.split("/")[0] for path in synthesized.templates}
    assert stages == {"Dev", "Staging", "Prod"}


def test_nag_packs_reject_a_non_compliant_resource(platform_config, tmp_path: Path) -> None:
    app = build_app(platform_config, context=cdk_json_context(), outdir=str(tmp_path))
    offender = Stack(app.node.find_child("Dev"), "Offender")
    s3.Bucket(offender, "PlainBucket")
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    failing_packs = {plugin["pluginName"] for plugin in report["pluginReports"] if plugin["violations"]}
    assert failing_packs == {"AwsSolutions", "NIST.800.53.R5"}


def test_cfn_lint_finds_no_errors_or_warnings(synthesized: SynthesizedApp) -> None:
    templates = sorted(str(path) for path in synthesized.outdir.rglob("*.template.json"))
    assert templates, "no templates were synthesized"
    # W3005 (redundant DependsOn) is how CDK renders explicit dependencies; nothing else is ignored.
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--ignore-checks", "W3005", "--format", "parseable", "--", *templates],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
