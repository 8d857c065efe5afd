"""config/two-models.toml is config/platform.toml plus the breast-cancer example, so the two cannot drift."""

import tomllib

from platform_config import load_config
from tests.synth import DEFAULT_CONFIG_PATH

TWO_MODELS_PATH = DEFAULT_CONFIG_PATH.parent / "two-models.toml"


def test_the_two_model_config_is_the_default_config_plus_breast_cancer() -> None:
    default = tomllib.loads(DEFAULT_CONFIG_PATH.read_text())
    two_models = tomllib.loads(TWO_MODELS_PATH.read_text())
    added = two_models["models"][len(default["models"]):]
    assert [model["name"] for model in added] == ["breast-cancer"]
    assert {**two_models, "models": two_models["models"][: len(default["models"])]} == default


def test_the_breast_cancer_example_declares_why_fairness_does_not_apply() -> None:
    model = load_config(TWO_MODELS_PATH).model("breast-cancer")
    assert model.sensitive_attributes == () and model.fairness_not_applicable
    assert model.data_contract.pii == ()
