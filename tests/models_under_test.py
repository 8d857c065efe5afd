"""The models of the config under test, and one local build of each per session.

Tests about "a model" take the ``model_name`` fixture (tests/conftest.py), which runs them
once per model of ``CONFIG_UNDER_TEST``; tests about the credit-risk example's own data
(its PII, its sensitive attributes) name ``CREDIT_RISK`` and read it from the default
config, so they hold whatever else the config under test declares.
"""

from pathlib import Path
from typing import TYPE_CHECKING

from platform_config import ConfigError, load_config
from platform_config.models import ModelConfig
from tests.synth import CONFIG_UNDER_TEST, DEFAULT_CONFIG_PATH

if TYPE_CHECKING:
    from pipelines_src.model_build.local_run import LocalRun

CREDIT_RISK = "credit-risk"


def _model_names() -> tuple[str, ...]:
    try:
        return tuple(model.name for model in load_config(CONFIG_UNDER_TEST).models)
    except ConfigError:
        # conftest's pytest_sessionstart ends the run with the config's errors, once.
        return ()


MODEL_NAMES = _model_names()


def credit_risk() -> ModelConfig:
    """The credit-risk example as the default config declares it."""
    return load_config(DEFAULT_CONFIG_PATH).model(CREDIT_RISK)


class LocalBuilds:
    """Each model's full local run of the build pipeline, made on first use, at most once."""

    def __init__(self, config_path: Path, root: Path) -> None:
        self._config_path, self._root = config_path, root
        self._runs: dict[tuple[Path, str], "LocalRun"] = {}

    def __call__(self, model_name: str, config_path: Path | None = None) -> "LocalRun":
        config_path = config_path or self._config_path
        key = (config_path, model_name)
        if key not in self._runs:
            # Imports xgboost and matplotlib: only when a run is needed.
            from pipelines_src.model_build.local_run import run_local

            out = self._root / f"{len(self._runs)}-{model_name}"
            self._runs[key] = run_local(config_path, model_name, out, log=lambda _: None)
        return self._runs[key]

    def credit_risk(self) -> "LocalRun":
        """The credit-risk example's run: the config under test's when it declares the example
        unchanged, else one from the default config."""
        under_test = load_config(self._config_path).models
        if credit_risk() in under_test:
            return self(CREDIT_RISK)
        return self(CREDIT_RISK, DEFAULT_CONFIG_PATH)
