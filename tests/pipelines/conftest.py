"""Fixtures of the model build tests: each model's settings (``settings``/``contract`` follow
``model_name``), the credit-risk example's for tests written on its columns, small frames, and
each model's local run, once per session."""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest

from pipelines_src.model_build.model_settings import model_settings
from platform_config.models import ModelConfig
from tests.models_under_test import LocalBuilds, credit_risk
from tests.synth import DEFAULT_CONFIG_PATH

if TYPE_CHECKING:
    from pipelines_src.model_build.local_run import LocalRun


def container_settings(model: ModelConfig) -> dict[str, Any]:
    """model_settings.json as a container reads it (through JSON, so tuples are lists)."""
    return json.loads(json.dumps(model_settings(model)))


@pytest.fixture(scope="session")
def settings(model: ModelConfig) -> dict[str, Any]:
    return container_settings(model)


@pytest.fixture(scope="session")
def contract(settings: dict[str, Any]) -> dict[str, Any]:
    return settings["contract"]


@pytest.fixture(scope="session")
def credit_settings() -> dict[str, Any]:
    """The credit-risk example's settings: for tests written on its columns, PII and attributes."""
    return container_settings(credit_risk())


@pytest.fixture(scope="session")
def credit_contract(credit_settings: dict[str, Any]) -> dict[str, Any]:
    return credit_settings["contract"]


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


@pytest.fixture(scope="session")
def local_run(local_builds: LocalBuilds, model_name: str) -> "LocalRun":
    """The model's full local run on its bundled data (the session's one run of it)."""
    return local_builds(model_name)


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
