"""Independent checks over the synthesized app: cdk-nag (both packs) and cfn-lint."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import Stack
from aws_cdk import aws_s3 as s3

from stacks.components.nag import NAG_PACKS, qualified_finding
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


def test_every_acknowledgement_matches_a_finding(synthesized: SynthesizedApp) -> None:
    """An acknowledgement that suppresses nothing is stale (the finding was fixed or renamed)
    or wrong (it names a finding the construct never had): either way its reason misleads."""
    report = json.loads((synthesized.outdir / "validation-report.json").read_text())
    used = {
        # The report omits the path of an acknowledgement made on the app itself.
        (suppressed["acknowledgedId"], suppressed.get("acknowledgedAt", ""))
        for plugin in report["pluginReports"]
        for suppressed in plugin.get("suppressedViolations") or []
    }
    ours = {(finding, path) for finding, path in synthesized.acknowledgements if finding.split("::")[0] in NAG_PACKS}
    assert ours, "no acknowledgement found in the construct tree"
    assert sorted(ours - used) == []


def test_acknowledgements_name_the_pack_of_their_finding() -> None:
    assert qualified_finding("AwsSolutions-IAM5[Resource::*]") == "AwsSolutions::AwsSolutions-IAM5[Resource::*]"
    assert qualified_finding("NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC") == (
        "NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC"
    )
    with pytest.raises(ValueError, match="CloudFormation-Validate::W3010"):
        qualified_finding("CloudFormation-Validate::W3010")


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


# cfn-lint's resource tables list only `model` for sagemaker:CreateModel, but SageMaker also
# authorizes a model created from a registry version against the version (AWS's cross-account
# registry policies grant CreateModel on model-package ARNs), so that finding is not a defect.
CREATE_MODEL_FROM_A_VERSION = "action 'sagemaker:CreateModel' requires a resource of"


def test_iam_actions_name_resources_of_their_own_service(synthesized: SynthesizedApp) -> None:
    # cfn-lint's informational I3510 caught codestar-connections:UseConnection as the only grant on a
    # codeconnections connection: IAM matches an action's service prefix to the resource's.
    templates = sorted(str(path) for path in synthesized.outdir.rglob("*.template.json"))
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--include-checks", "I3510", "--format", "parseable", "--",
         *templates],
        capture_output=True,
        text=True,
    )
    findings = [line for line in result.stdout.splitlines() if ":I3510:" in line]
    assert [line for line in findings if CREATE_MODEL_FROM_A_VERSION not in line] == []


def test_synth_needs_no_lookups(synthesized: SynthesizedApp) -> None:
    manifests = [synthesized.outdir / "manifest.json", *synthesized.outdir.glob("assembly-*/manifest.json")]
    assert all("missing" not in json.loads(path.read_text()) for path in manifests)


def test_app_rejects_an_invalid_config_naming_the_field(tmp_path: Path) -> None:
    config_dir = Path(__file__).resolve().parents[2] / "config"
    bad = tmp_path / "platform.toml"
    bad.write_text((config_dir / "platform.toml").read_text().replace('account_id = "222222222222"', 'account_id = "2222"'))
    (tmp_path / "contracts").symlink_to(config_dir / "contracts")
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=config_dir.parent,
        env={**os.environ, "CDK_CONTEXT_JSON": json.dumps({"config": str(bad)}), "CDK_OUTDIR": str(tmp_path / "out")},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "accounts.staging.account_id" in result.stderr and "'2222'" in result.stderr
    assert not (tmp_path / "out" / "manifest.json").exists()
