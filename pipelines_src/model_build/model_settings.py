"""The model settings the step containers read: ``model_settings.json``.

Steps never import ``stacks`` (the containers do not have it), so the renderer and the
local runner turn the typed ``ModelConfig`` into this plain JSON document:

- ``model_name``;
- ``contract``: the data contract (``DataContract.model_dump``);
- ``sensitive_attributes``: ``[{column, group_values | threshold and facet}]`` (facet *d* of each);
- ``fairness_not_applicable``: why a model without sensitive attributes has no fairness
  gates (null for a model with them);
- ``training``: ``hyperparameters`` (the built-in algorithm's names, ``num_round`` included),
  ``test_fraction``, ``validation_fraction``, ``seed``, ``exclude_sensitive_attributes``;
- ``tuning``: the ``[models.tuning]`` section (``enabled``, ``strategy``, ``objective_metric``,
  ``objective_type``, ``max_jobs``, ``max_parallel_jobs``, ``early_stopping_type``,
  ``parameter_ranges``: ``{name: {type, min_value, max_value, scaling}}``); the local run's Tune
  step reads it;
- ``evaluation``: ``cost_matrix`` (``false_positive``, ``false_negative``: the build report's prices);
- ``gates``: ``min_auc``, ``disparate_impact_band``, ``max_abs_dppl`` (defaults; the
  pipeline's parameters and the local runner's flags override them), ``min_group_size``,
  ``bootstrap_resamples`` and ``bootstrap_confidence`` (the Fairness step's, not overridable);
- ``monitoring``: ``baseline_drift_distance`` (the baseline's comparison threshold);
- ``feature_group``: null when the model trains on a raw CSV; for a model that reads a
  point-in-time snapshot of its feature group, ``name``, ``record_identifier``, ``event_time``,
  ``features`` (``[{name, type}]``: the columns the Snapshot step's query reads) and ``transforms`` (``[{output, function, inputs}]``, which Preprocess encodes and the
  endpoint computes from each raw record).
"""

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines_src.model_build.steps.files import write_json

if TYPE_CHECKING:
    from platform_config import PlatformConfig
    from platform_config.features import FeatureGroupSpec
    from platform_config.models import ModelConfig

SETTINGS_FILE = "model_settings.json"


def model_settings(model: "ModelConfig", feature_group: "FeatureGroupSpec | None" = None) -> dict[str, Any]:
    """The settings of ``model``; pass its ``feature_group`` for a build that reads the snapshot."""
    if feature_group is not None and feature_group.name != model.feature_group:
        raise ValueError(f"model {model.name!r} reads feature group {model.feature_group!r}, not {feature_group.name!r}")
    return {
        "model_name": model.name,
        "contract": model.data_contract.model_dump(mode="json"),
        "sensitive_attributes": [attribute.model_dump(mode="json") for attribute in model.sensitive_attributes],
        "fairness_not_applicable": model.fairness_not_applicable,
        "training": model.training.model_dump(
            mode="json", include={"hyperparameters", "test_fraction", "validation_fraction", "seed", "exclude_sensitive_attributes"}
        ),
        "tuning": model.tuning.model_dump(mode="json"),
        "gates": model.gates.model_dump(mode="json"),
        "evaluation": model.evaluation.model_dump(mode="json"),
        "monitoring": {"baseline_drift_distance": model.monitoring.baseline_drift_distance},
        "feature_group": None
        if feature_group is None
        else {
            **feature_group.model_dump(mode="json", include={"name", "record_identifier", "event_time", "features"}),
            "transforms": [transform.model_dump(mode="json") for transform in feature_group.transforms],
        },
    }


def serving_instance_types(model: "ModelConfig") -> list[str]:
    """The instance types a registered version declares it runs on: staging's (unless
    serverless) and prod's."""
    serving = model.serving
    types = {serving.prod.instance_type}
    if not serving.staging.serverless:
        types.add(serving.staging.instance_type)
    return sorted(types)


def write_model_settings(model: "ModelConfig", folder: str | Path, feature_group: "FeatureGroupSpec | None" = None) -> Path:
    return write_json(Path(folder) / SETTINGS_FILE, model_settings(model, feature_group))


def feature_group_of(config: "PlatformConfig", model: "ModelConfig") -> "FeatureGroupSpec | None":
    """The feature group ``model`` reads (the config has checked that it exists), or None."""
    return next((group for group in config.feature_groups if group.name == model.feature_group), None)


def model_of(config: "PlatformConfig", name: str) -> "ModelConfig":
    """The model called ``name``; a command-line error listing the declared models otherwise."""
    for model in config.models:
        if model.name == name:
            return model
    raise SystemExit(f"--model {name!r}: the config declares {[model.name for model in config.models]}")
