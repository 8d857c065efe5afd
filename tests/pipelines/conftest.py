"""Fixtures of the model build tests: the credit-risk model's settings, small frames, and
one full local run per module that needs it."""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest

from pipelines_src.model_build.model_settings import model_settings
from platform_config import PlatformConfig
from platform_config.models import ModelConfig
from tests.synth import DEFAULT_CONFIG_PATH

if TYPE_CHECKING:
    from pipelines_src.model_build.local_run import LocalRun

MODEL = "credit-risk"


@pytest.fixture(scope="session")
def model(platform_config: PlatformConfig) -> ModelConfig:
    return platform_config.model(MODEL)


@pytest.fixture(scope="session")
def settings(model: ModelConfig) -> dict[str, Any]:
    """model_settings.json as a container reads it (through JSON, so tuples are lists)."""
    return json.loads(json.dumps(model_settings(model)))


@pytest.fixture(scope="session")
def contract(settings: dict[str, Any]) -> dict[str, Any]:
    return settings["contract"]


def conforming_row(contract: dict[str, Any], **overrides: str) -> dict[str, str]:
    """One raw row (text cells) that honours ``contract``; ``overrides`` replace cells."""
    row = {}
    for rule in contract["columns"]:
        if rule.get("allowed_values"):
            row[rule["name"]] = rule["allowed_values"][0]
        elif rule["type"] == "string":
            row[rule["name"]] = f"some {rule['name']}"
        else:
            row[rule["name"]] = str(int(rule.get("minimum") or 0) + 1)
    row.update(overrides)
    return row


def raw_frame(contract: dict[str, Any], rows: list[dict[str, str]]) -> pd.DataFrame:
    """Rows as ``contract.read_raw`` returns them: text cells, None for empty ones."""
    return pd.DataFrame(rows, dtype=object).replace("", None)


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> "LocalRun":
    """The full local run on the bundled data, once per module that asks for it."""
    from pipelines_src.model_build.local_run import run_local  # Imports xgboost and matplotlib: only where a run is needed.

    out = tmp_path_factory.mktemp("local-run")
    return run_local(DEFAULT_CONFIG_PATH, MODEL, out, log=lambda line: None)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return DEFAULT_CONFIG_PATH.parent.parent


def pytest_configure(config: pytest.Config) -> None:
    # Third-party notices that say nothing about this code: shap 0.51 (the attribution test's
    # reference) calls colormap setters matplotlib 3.11 will deprecate; the SageMaker SDK
    # imports its own deprecated modules.
    config.addinivalue_line("filterwarnings", "ignore::PendingDeprecationWarning:shap.*")
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:sagemaker.*")
    config.addinivalue_line("filterwarnings", "ignore:The 'dependencies' parameter is deprecated:DeprecationWarning")
