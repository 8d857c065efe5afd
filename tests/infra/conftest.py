"""Infra tests synthesize the app, and the app ships each model's rendered SageMaker pipeline."""

import fcntl
import subprocess

import pytest

from platform_config import PlatformConfig
from tests.synth import CONFIG_UNDER_TEST, REPO_ROOT


@pytest.fixture(scope="session", autouse=True)
def rendered_pipelines(platform_config: PlatformConfig) -> None:
    """Render every model's pipeline before the first synth, through the same make rule as
    ``make synth``: make renders only what is missing or older than ``pipelines_src/`` and the
    config, so a session renders at most once (``make test`` has already rendered), and the
    lock keeps parallel workers from rendering the same file together."""
    targets = [f"build/pipelines/{model.name}/definition.json" for model in platform_config.models]
    lock_path = REPO_ROOT / "build" / ".render.lock"
    lock_path.parent.mkdir(exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = subprocess.run(
            ["make", "--no-print-directory", f"CONFIG={CONFIG_UNDER_TEST}", *targets], cwd=REPO_ROOT, capture_output=True, text=True
        )
    if result.returncode != 0:
        pytest.fail(f"rendering the pipelines failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
