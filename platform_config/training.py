"""How a model is trained: the built-in XGBoost algorithm, and the hyperparameters it needs."""

from typing import Annotated, Any

from pydantic import Field, field_validator

from platform_config.base import ConfigModel, InstanceType

# The platform builds binary classifiers whose endpoints answer with a probability: the gates,
# the fairness metrics and the monitors all threshold that probability.
SUPPORTED_OBJECTIVES = ("binary:logistic",)
# Hyperparameters of the built-in XGBoost algorithm whose type the config can check; the
# algorithm refuses a wrong one only when a training job starts.
INTEGER_HYPERPARAMETERS = frozenset({"num_round", "max_depth", "early_stopping_rounds", "seed"})
NUMBER_HYPERPARAMETERS = frozenset(
    {"eta", "gamma", "min_child_weight", "subsample", "colsample_bytree", "lambda", "alpha", "scale_pos_weight"}
)


# A build job's time limit (every processing and training job); a spot training job may wait longer.
JOB_MAX_RUNTIME_SECONDS = 3600
# SageMaker's bound on a training job's MaxWaitTimeInSeconds (28 days).
MAX_SPOT_WAIT_SECONDS = 2_419_200


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class Spot(ConfigModel):
    """Managed spot training: the training jobs (every trial of a tuning job too) run on spare
    capacity and may be interrupted; they checkpoint to the artifact bucket
    (``naming.training_checkpoint_prefix``) and resume. ``max_wait_seconds`` bounds a job's
    running plus waiting time, so it is at least the job's run time limit."""

    enabled: bool = False
    max_wait_seconds: Annotated[int, Field(ge=JOB_MAX_RUNTIME_SECONDS, le=MAX_SPOT_WAIT_SECONDS)] = 2 * JOB_MAX_RUNTIME_SECONDS


class Training(ConfigModel):
    """XGBoost training: the same hyperparameters in the cloud and locally."""

    instance_type: InstanceType = "ml.m5.large"
    # The build steps need the image's Python >= 3.10.
    xgboost_version: str = "3.0-5"
    # Checked even when left out: the algorithm cannot train without num_round and objective.
    hyperparameters: dict[str, int | float | str] = Field(default_factory=dict, validate_default=True)
    test_fraction: Annotated[float, Field(gt=0, lt=0.5)] = 0.2
    validation_fraction: Annotated[float, Field(gt=0, lt=0.5)] = 0.2
    seed: int = 42
    # The sensitive attributes stay in the data, where the fairness step measures bias with
    # them, but are not model inputs: the model cannot decide on sex, age or nationality directly.
    exclude_sensitive_attributes: bool = True
    spot: Spot = Spot()

    @field_validator("hyperparameters")
    @classmethod
    def _what_xgboost_needs(cls, value: dict[str, int | float | str]) -> dict[str, int | float | str]:
        problems = []
        if "num_round" not in value:
            problems.append("num_round is required (the number of boosting rounds, an integer >= 1)")
        elif _is_integer(value["num_round"]) and value["num_round"] < 1:
            problems.append(f"num_round must be at least 1, got {value['num_round']!r}")
        if "objective" not in value:
            problems.append(f"objective is required: one of {list(SUPPORTED_OBJECTIVES)}")
        elif value["objective"] not in SUPPORTED_OBJECTIVES:
            problems.append(
                f"objective {value['objective']!r} is not supported: the platform builds binary classifiers "
                f"answering with a probability, {list(SUPPORTED_OBJECTIVES)}"
            )
        if "early_stopping_rounds" in value and "eval_metric" not in value:
            # The built-in algorithm stops on the last eval_metric and silently trains every round without one.
            problems.append("early_stopping_rounds needs eval_metric (training stops on the last metric it lists)")
        if _is_integer(value.get("early_stopping_rounds")) and value["early_stopping_rounds"] < 1:
            problems.append(f"early_stopping_rounds must be at least 1, got {value['early_stopping_rounds']!r}")
        for name, item in sorted(value.items()):
            if name in INTEGER_HYPERPARAMETERS and not _is_integer(item):
                problems.append(f"{name} must be an integer, got {item!r}")
            if name in NUMBER_HYPERPARAMETERS and (isinstance(item, str | bool)):
                problems.append(f"{name} must be a number, got {item!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return value
