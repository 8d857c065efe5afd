"""A step that fails ends its container with a non-zero status, so SageMaker marks the step Failed."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines_src.model_build.steps import entrypoint
from tests.pipelines.conftest import conforming_row
from tests.synth import REPO_ROOT


def test_a_failing_step_exits_1_and_leaves_its_reason_as_the_exit_message(tmp_path: Path, monkeypatch) -> None:
    message = tmp_path / "message"
    monkeypatch.setattr(entrypoint, "EXIT_MESSAGE", message)

    def main() -> None:
        raise ValueError("column 'age_in_years': 1 value(s) below the minimum 18")

    with pytest.raises(SystemExit) as exited:
        entrypoint.run(main)

    assert exited.value.code == 1
    assert message.read_text() == "ValueError: column 'age_in_years': 1 value(s) below the minimum 18"


def test_preprocess_run_as_the_container_does_fails_the_step_on_a_contract_violation(
    tmp_path: Path, credit_settings, credit_contract
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    rows = [conforming_row(credit_contract, age_in_years="7"), conforming_row(credit_contract, creditability="good")]
    header = list(rows[0])
    raw.joinpath("applicants.csv").write_text(
        "\n".join([",".join(header), *(",".join(f'"{row[name]}"' for name in header) for row in rows)]) + "\n"
    )
    settings_file = tmp_path / "model_settings.json"
    settings_file.write_text(json.dumps(credit_settings))

    step = subprocess.run(
        [sys.executable, "-m", "pipelines_src.model_build.steps.preprocess", "--settings", str(settings_file),
         "--input-dir", str(raw), "--output-dir", str(tmp_path / "out")],
        cwd=REPO_ROOT, capture_output=True, text=True, env={"PII_HASH_KEY": "test-key", "PATH": "/usr/bin:/bin"},
    )

    assert step.returncode == 1, step.stdout + step.stderr
    assert "column 'age_in_years': 1 value(s) below the minimum 18" in step.stdout
    assert not (tmp_path / "out").exists()
