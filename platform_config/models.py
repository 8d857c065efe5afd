"""Models the platform builds, gates, serves and monitors."""

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from platform_config.base import ConfigModel, InstanceType
from platform_config.contract import DataContract
from platform_config.dataset import header_mismatch, read_header
from platform_config.intended_use import IntendedUse
from platform_config.training import Training

# SageMaker model package group names: letters, digits and hyphens, at most 63 characters.
# The platform derives endpoint and pipeline names from it, so it stays well under that.
ModelName = Annotated[str, Field(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,39}$")]

# EventBridge Scheduler expressions, and the subset Model Monitor schedules accept.
_RATE = re.compile(r"rate\(([1-9]\d*) (minute|hour|day)s?\)")
_CRON = re.compile(r"cron\(\S+( \S+){5}\)")
_HOUR = r"([01]?\d|2[0-3])"
_MODEL_MONITOR_CRON = re.compile(rf"cron\(0 (\*|{_HOUR}|{_HOUR}/([1-9]|1\d|2[0-4])) \? \* \* \*\)")

SCHEDULE_EXPRESSION_RULE = "must be 'rate(<n> minutes|hours|days)' or a six-field 'cron(...)' expression"


def is_schedule_expression(value: str) -> bool:
    """Whether ``value`` is an EventBridge schedule expression: ``rate(...)`` or a six-field ``cron(...)``."""
    return bool(_RATE.fullmatch(value) or _CRON.fullmatch(value))


class SensitiveAttribute(ConfigModel):
    """A protected attribute and its disadvantaged group (Clarify's facet *d*).

    The group is the rows whose value is in ``group_values`` (categorical
    columns), or, for a numeric column, the rows on the ``facet`` side of ``threshold``:
    ``"above"`` (Clarify's convention for a threshold) or ``"at_or_below"``. The side is
    required with a threshold because the two conventions flip every metric's sign.
    Everything else is *a*.
    """

    column: str
    group_values: tuple[str, ...] | None = None
    threshold: float | None = None
    facet: Literal["above", "at_or_below"] | None = None

    @model_validator(mode="after")
    def _one_way_to_define_group(self) -> "SensitiveAttribute":
        if (self.group_values is None) == (self.threshold is None):
            raise ValueError(f"sensitive attribute {self.column!r} needs exactly one of group_values or threshold")
        if self.threshold is not None and self.facet is None:
            raise ValueError(
                f"sensitive attribute {self.column!r}: facet is required with a threshold: "
                'facet = "above" (Clarify\'s convention: values > threshold are the disadvantaged group) '
                'or facet = "at_or_below"'
            )
        if self.group_values is not None and self.facet is not None:
            raise ValueError(f"sensitive attribute {self.column!r}: facet applies to a threshold, not to group_values")
        return self


class QualityGates(ConfigModel):
    """The build pipeline registers a version only when every gate passes."""

    min_auc: Annotated[float, Field(gt=0.5, le=1.0)] = 0.7
    # Fairness of the test split's predictions, per sensitive attribute. The monitors judge captured
    # traffic with the same bounds (pipelines_src/metrics/fairness_bounds.py), so a registered version
    # does not trip them on data like the data it was gated on.
    disparate_impact_band: tuple[Annotated[float, Field(gt=0)], Annotated[float, Field(gt=0)]] = (0.8, 1.25)
    max_abs_dppl: Annotated[float, Field(gt=0, le=1)] = 0.1
    # Fairness is judged only on groups this large: the gate refuses a version when a facet of
    # the test split is smaller, and the monitors report a smaller facet as insufficient.
    min_group_size: Annotated[int, Field(ge=1)] = 30
    # Bootstrap of the test split per attribute: the percentile interval of DI and DPPL in bias.json.
    bootstrap_resamples: Annotated[int, Field(ge=100, le=100_000)] = 1000
    bootstrap_confidence: Annotated[float, Field(gt=0.5, lt=1)] = 0.95

    @model_validator(mode="after")
    def _band_is_ordered(self) -> "QualityGates":
        low, high = self.disparate_impact_band
        if not low < 1.0 < high:
            raise ValueError(f"disparate_impact_band must satisfy low < 1 < high, got {self.disparate_impact_band}")
        return self


class CostMatrix(ConfigModel):
    """What each wrong decision costs, in one unit of your choice (correct decisions cost 0).

    The build report prices every threshold's errors with it. A false positive is a row
    predicted positive whose label is not (German credit: a bad risk approved, 5 times the
    cost of a good applicant refused, the false negative)."""

    false_positive: Annotated[float, Field(ge=0)] = 1.0
    false_negative: Annotated[float, Field(ge=0)] = 1.0

    @model_validator(mode="after")
    def _some_error_costs(self) -> "CostMatrix":
        if self.false_positive == 0 and self.false_negative == 0:
            raise ValueError("false_positive and false_negative are both 0: every threshold would cost nothing")
        return self


class Evaluation(ConfigModel):
    """How the build report weighs the test split's errors (the gates do not read it)."""

    cost_matrix: CostMatrix = CostMatrix()


class StagingServing(ConfigModel):
    """Staging is sized for cost: one small instance, or serverless (which cannot capture data)."""

    instance_type: InstanceType = "ml.t2.medium"
    serverless: bool = False
    serverless_memory_mb: Literal[1024, 2048, 3072, 4096, 5120, 6144] = 2048
    serverless_max_concurrency: Annotated[int, Field(ge=1, le=200)] = 5


class ProdServing(ConfigModel):
    """Prod: autoscaled instances behind a canary blue/green deployment."""

    instance_type: InstanceType = "ml.m5.large"
    min_instances: Annotated[int, Field(ge=1, le=20)] = 2
    max_instances: Annotated[int, Field(ge=1, le=40)] = 4
    target_invocations_per_instance: Annotated[int, Field(ge=1)] = 750
    canary_percent: Annotated[int, Field(ge=5, le=50)] = 10
    # Minutes the canary, then the whole new fleet, serve before the old fleet is dropped;
    # the rollback alarms are watched meanwhile (SageMaker allows up to 60 per step).
    bake_minutes: Annotated[int, Field(ge=1, le=60)] = 10

    @model_validator(mode="after")
    def _min_not_above_max(self) -> "ProdServing":
        if self.min_instances > self.max_instances:
            raise ValueError(f"min_instances {self.min_instances} exceeds max_instances {self.max_instances}")
        return self


class SmokeTest(ConfigModel):
    """What the staging endpoint must show before a human is asked to approve prod."""

    samples: Annotated[int, Field(ge=1, le=1000)] = 50
    max_error_rate: Annotated[float, Field(ge=0, le=1)] = 0.0
    max_p95_latency_ms: Annotated[int, Field(ge=1)] = 500


class Serving(ConfigModel):
    """Endpoint settings for staging and prod."""

    data_capture_percent: Annotated[int, Field(ge=0, le=100)] = 100
    staging: StagingServing = StagingServing()
    prod: ProdServing = ProdServing()
    smoke_test: SmokeTest = SmokeTest()


class Monitoring(ConfigModel):
    """How endpoints are watched. ``open-source`` is the default for new accounts:
    Model Monitor and Clarify no longer accept new customers."""

    engine: Literal["open-source", "sagemaker-model-monitor"] = "open-source"
    schedule: str = "cron(0 * ? * * *)"
    ground_truth_s3_uri: Annotated[str, Field(pattern=r"^s3://[a-z0-9.-]{3,63}(/.*)?$")] | None = None
    psi_threshold: Annotated[float, Field(gt=0)] = 0.2
    ks_p_value: Annotated[float, Field(gt=0, lt=1)] = 0.01
    # Open-source engine (pipelines_src/monitoring/publish.py documents each metric):
    # family-wise level of the categorical chi-square tests of a run,
    chi_square_p_value: Annotated[float, Field(gt=0, lt=1)] = 0.01
    # captured rows below which a run does not judge drift (PSI would be mostly noise),
    min_window_records: Annotated[int, Field(ge=1)] = 100
    # Ground truth (labels by inference id, below ground_truth_s3_uri in yyyy/mm/dd/hh/ folders of
    # their arrival) joins a window's rows when it arrives at most this many hours after the window
    # ends; each run re-evaluates the windows still open to labels. At most 14 days: CloudWatch
    # takes no older data point, and a late window's metrics are stamped with its end.
    ground_truth_lateness_hours: Annotated[int, Field(ge=0, le=336)] = 48
    # Model quality (AUC, accuracy, F1) resting on fewer labelled rows is reported as insufficient.
    min_labelled_records: Annotated[int, Field(ge=1)] = 50
    retrain_min_interval_hours: Annotated[int, Field(ge=1, le=720)] = 24
    # The instance each monitoring run (either engine) uses.
    job_instance_type: InstanceType = "ml.m5.large"
    # Model Monitor engine: alarm when a feature's feature_baseline_drift_* distance exceeds this
    # (0.1 is Model Monitor's default comparison_threshold).
    baseline_drift_distance: Annotated[float, Field(gt=0, le=1)] = 0.1
    # Endpoint health alarms, both engines: over three consecutive 5-minute periods.
    endpoint_5xx_percent: Annotated[float, Field(gt=0, le=100)] = 1.0
    endpoint_p99_latency_ms: Annotated[int, Field(ge=1, le=60000)] = 1000

    @field_validator("schedule")
    @classmethod
    def _scheduler_expression(cls, value: str) -> str:
        if not is_schedule_expression(value):
            raise ValueError(SCHEDULE_EXPRESSION_RULE)
        return value

    @model_validator(mode="after")
    def _schedule_fits_engine(self) -> "Monitoring":
        if self.engine == "sagemaker-model-monitor" and not _MODEL_MONITOR_CRON.fullmatch(self.schedule):
            raise ValueError(
                f"schedule {self.schedule!r}: Model Monitor accepts only hourly 'cron(0 * ? * * *)', "
                "daily 'cron(0 H ? * * *)' or every-N-hours 'cron(0 H/N ? * * *)'"
            )
        return self


class ModelConfig(ConfigModel):
    """A model: its data, gates, serving and monitoring."""

    name: ModelName
    description: str = ""
    # A CSV sample of the raw data (local runs, tests, smoke samples). ``load_config`` reads a
    # relative path from the config file's folder, as it does ``data_contract``.
    dataset: str
    feature_group: str | None = None
    data_contract: DataContract
    sensitive_attributes: tuple[SensitiveAttribute, ...] = ()
    # A model without sensitive attributes says why, so a vacuous fairness gate is a decision on
    # record, never an omission: the build and the monitors then skip the fairness checks.
    fairness_not_applicable: Annotated[str, Field(min_length=10)] | None = None
    # What the model is for, who relies on it and its risk rating: the model card's intended uses.
    # Without it a version's card rates the risk Unknown and says the use was not declared.
    intended_use: IntendedUse | None = None
    gates: QualityGates = QualityGates()
    evaluation: Evaluation = Evaluation()
    training: Training = Field(default_factory=dict, validate_default=True)
    serving: Serving = Serving()
    monitoring: Monitoring = Monitoring()

    @field_validator("dataset")
    @classmethod
    def _dataset_is_a_file(cls, value: str) -> str:
        if not Path(value).is_file():
            raise ValueError("no such file (a relative path is read from the config file's folder)")
        return value

    @model_validator(mode="after")
    def _dataset_fits_the_contract(self) -> "ModelConfig":
        mismatch = header_mismatch(read_header(Path(self.dataset)), self.data_contract)
        if mismatch:
            raise ValueError(f"dataset {self.dataset}: {mismatch}")
        return self

    @model_validator(mode="after")
    def _fairness_is_declared(self) -> "ModelConfig":
        if not self.sensitive_attributes and self.fairness_not_applicable is None:
            raise ValueError(
                "declare the sensitive attributes fairness is judged on, or why there are none: "
                "fairness_not_applicable = \"<reason>\""
            )
        if self.sensitive_attributes and self.fairness_not_applicable is not None:
            raise ValueError("fairness_not_applicable contradicts the sensitive_attributes listed: keep one")
        return self

    @model_validator(mode="after")
    def _sensitive_attributes_are_columns(self) -> "ModelConfig":
        for attribute in self.sensitive_attributes:
            try:
                rule = self.data_contract.column(attribute.column)
            except KeyError:
                raise ValueError(f"sensitive attribute {attribute.column!r} is not a column of the data contract") from None
            if attribute.threshold is not None and rule.type == "string":
                raise ValueError(f"sensitive attribute {attribute.column!r} is a string column: use group_values")
            if attribute.group_values is not None and rule.type != "string":
                raise ValueError(f"sensitive attribute {attribute.column!r} is numeric: use threshold")
            if any(pii.name == attribute.column for pii in self.data_contract.pii):
                raise ValueError(f"sensitive attribute {attribute.column!r} is removed as PII before training")
        return self
