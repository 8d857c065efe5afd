"""The promotion pipeline's Synth stage runs ``python -m stacks.endpoint_templates``: its exit status decides
whether the stage succeeds, so a missing Endpoint stack must fail it."""

import subprocess
import sys
from pathlib import Path

from tests.synth import DEFAULT_CONFIG_PATH, REPO_ROOT


def test_collecting_from_an_assembly_without_endpoint_stacks_fails_the_synth_stage(tmp_path: Path) -> None:
    collector = subprocess.run(
        [sys.executable, "-m", "stacks.endpoint_templates", "--config", str(DEFAULT_CONFIG_PATH),
         str(tmp_path), str(tmp_path / "endpoint-templates")],
        cwd=REPO_ROOT, capture_output=True, text=True,
    )

    assert collector.returncode != 0
    assert "no stack named 'mlops-credit-risk-endpoint'" in collector.stderr
    assert not (tmp_path / "endpoint-templates").exists()
