"""Automatic model tuning of a model's XGBoost hyperparameters (``[models.tuning]``).

When ``enabled``, the build pipeline runs a SageMaker hyperparameter tuning job in place of its
one training job: up to ``max_jobs`` training jobs, ``max_parallel_jobs`` at a time, each with
the static ``training.hyperparameters`` and values drawn from ``parameter_ranges``, judged on
``objective_metric`` (the built-in algorithm's validation AUC). The steps after it use the best
job's model. The local run searches the same ranges with the same budget and objective (see
``pipelines_src.model_build.steps.tune`` for how its search differs from SageMaker's).
"""

from typing import Annotated, Literal

from pydantic import Field, model_validator

from platform_config.base import ConfigModel
from platform_config.training import INTEGER_HYPERPARAMETERS, NUMBER_HYPERPARAMETERS

# SageMaker's limits on a tuning job's budget.
MAX_TRAINING_JOBS = 500
MAX_PARALLEL_TRAINING_JOBS = 100
# Hyperparameters of the built-in XGBoost algorithm a search may vary: the numeric ones the
# config checks (the seed stays fixed: searching it would tune noise).
TUNABLE_HYPERPARAMETERS = (INTEGER_HYPERPARAMETERS | NUMBER_HYPERPARAMETERS) - {"seed"}


class ParameterRange(ConfigModel):
    """One hyperparameter's search range: ``continuous`` or ``integer`` values in
    [``min_value``, ``max_value``], drawn on SageMaker's ``scaling`` (``Auto`` lets SageMaker choose;
    the local search reads it as ``Linear``)."""

    type: Literal["continuous", "integer"]
    min_value: float
    max_value: float
    scaling: Literal["Auto", "Linear", "Logarithmic", "ReverseLogarithmic"] = "Auto"

    @model_validator(mode="after")
    def _a_range(self) -> "ParameterRange":
        if not self.min_value < self.max_value:
            raise ValueError(f"min_value {self.min_value} must be below max_value {self.max_value}")
        if self.type == "integer" and not (self.min_value.is_integer() and self.max_value.is_integer()):
            raise ValueError(f"an integer range needs whole bounds, got [{self.min_value}, {self.max_value}]")
        if self.scaling == "Logarithmic" and self.min_value <= 0:
            raise ValueError(f"Logarithmic scaling needs min_value > 0, got {self.min_value}")
        if self.scaling == "ReverseLogarithmic" and not (
            self.type == "continuous" and 0 <= self.min_value and self.max_value < 1
        ):
            raise ValueError("ReverseLogarithmic scaling needs a continuous range within [0, 1)")
        return self


class Tuning(ConfigModel):
    """Whether and how the build tunes the model's hyperparameters (off unless ``enabled``)."""

    enabled: bool = False
    strategy: Literal["Bayesian", "Random"] = "Bayesian"
    # The built-in XGBoost algorithm's metric on the validation channel; eval_metric must list auc.
    objective_metric: Literal["validation:auc"] = "validation:auc"
    objective_type: Literal["Maximize"] = "Maximize"
    max_jobs: Annotated[int, Field(ge=1, le=MAX_TRAINING_JOBS)] = 20
    max_parallel_jobs: Annotated[int, Field(ge=1, le=MAX_PARALLEL_TRAINING_JOBS)] = 2
    # SageMaker stops trials that are unlikely to beat the best so far (the local search does not).
    early_stopping_type: Literal["Auto", "Off"] = "Auto"
    parameter_ranges: dict[str, ParameterRange] = {}

    @model_validator(mode="after")
    def _a_search(self) -> "Tuning":
        problems = []
        if self.max_parallel_jobs > self.max_jobs:
            problems.append(f"max_parallel_jobs {self.max_parallel_jobs} exceeds max_jobs {self.max_jobs}")
        if self.enabled and not self.parameter_ranges:
            problems.append("parameter_ranges is empty: name at least one hyperparameter to search")
        for name, bounds in sorted(self.parameter_ranges.items()):
            if name not in TUNABLE_HYPERPARAMETERS:
                problems.append(f"parameter_ranges.{name}: not a tunable hyperparameter, one of {sorted(TUNABLE_HYPERPARAMETERS)}")
            elif name in INTEGER_HYPERPARAMETERS and bounds.type != "integer":
                problems.append(f"parameter_ranges.{name}: {name} is an integer, its range needs type = \"integer\"")
        if problems:
            raise ValueError("; ".join(problems))
        return self
