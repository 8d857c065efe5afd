"""Every command that reads the config reports an invalid one as one clean list: the field and
the model named, no traceback, a failing exit status."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.synth import DEFAULT_CONFIG_PATH, REPO_ROOT

FIELD = "models.0.training.hyperparameters: num_round is required"


@pytest.fixture(scope="module")
def bad_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default config without num_round, in a folder of its own beside its contracts."""
    folder = tmp_path_factory.mktemp("bad-config")
    (folder / "contracts").symlink_to(DEFAULT_CONFIG_PATH.parent / "contracts")
    text = DEFAULT_CONFIG_PATH.read_text()
    assert "num_round = 200, " in text
    text = text.replace("num_round = 200, ", "").replace('dataset = "../data/', f'dataset = "{REPO_ROOT}/data/')
    path = folder / "platform.toml"
    path.write_text(text)
    return path


def _commands(config: Path, scratch: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    python = sys.executable
    return {
        "render": ([python, "-m", "pipelines_src.model_build.render", "--config", str(config), "--all"], {}),
        "make render": (["make", "--no-print-directory", "render", f"CONFIG={config}", f"PYTHON={python}"], {}),
        "local run": (
            [python, "-m", "pipelines_src.model_build.local_run", "--config", str(config), "--model", "credit-risk",
             "--out", str(scratch / "local")],
            {},
        ),
        "deploy": (
            [python, "-m", "pipelines_src.model_build.deploy", "--config", str(config), "--all",
             "--artifact-bucket", "b", "--kms-key-arn", "k", "--security-group-id", "sg-1", "--git-commit", "g",
             "--subnet-ids", "subnet-1"],
            {},
        ),
        "monitoring run": (
            [python, "-m", "pipelines_src.monitoring.run_local", "--capture", str(scratch), "--baseline", str(scratch),
             "--out", str(scratch / "report"), "--config", str(config)],
            {},
        ),
        "endpoint templates": (
            [python, "-m", "stacks.endpoint_templates", "--config", str(config), str(scratch), str(scratch / "t")], {}
        ),
        "cdk app": ([python, "app.py"], {"CDK_CONTEXT_JSON": json.dumps({"config": str(config)}), "CDK_OUTDIR": str(scratch / "out")}),
        "test suite": (
            [python, "-m", "pytest", "tests/config/test_config.py", "-q", "-p", "no:cacheprovider"],
            {"PLATFORM_CONFIG": str(config)},
        ),
    }


@pytest.mark.parametrize(
    "command",
    ["render", "make render", "local run", "deploy", "monitoring run", "endpoint templates", "cdk app", "test suite"],
)
def test_an_invalid_config_is_one_clean_list_from_every_entry_point(command: str, bad_config: Path, tmp_path: Path) -> None:
    argv, env = _commands(bad_config, tmp_path)[command]

    result = subprocess.run(argv, cwd=REPO_ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=300)

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert FIELD in output and "[model 'credit-risk']" in output
    assert "Traceback" not in output
