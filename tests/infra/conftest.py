"""Infra tests synthesize the app, and the app ships each model's rendered SageMaker pipeline."""

import fcntl
import subprocess
from pathlib import Path

import pytest

from tests.synth import CONFIG_UNDER_TEST, REPO_ROOT


def render_pipelines(config_path: Path) -> None:
    """Render every model of ``config_path`` whose render is missing or stale, through the same
    make rule as ``make synth`` (the renderer compares each render's digests, so a session
    renders at most once, and ``make test`` has already rendered); the lock keeps parallel
    workers from rendering the same folder together."""
    lock_path = REPO_ROOT / "build" / ".render.lock"
    lock_path.parent.mkdir(exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = subprocess.run(
            ["make", "--no-print-directory", f"CONFIG={config_path}", "render"],
            cwd=REPO_ROOT, capture_output=True, text=True,
        )
    if result.returncode != 0:
        pytest.fail(f"rendering the pipelines failed:\n{result.stdout}\n{result.stderr}", pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def rendered_pipelines() -> None:
    """Every model's pipeline of the config under test, rendered before the first synth."""
    render_pipelines(CONFIG_UNDER_TEST)
