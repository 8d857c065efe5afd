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
from platform_config.tuning import Tuning

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


# How an account's endpoint answers: ``realtime`` (InvokeEndpoint, answers in the request) or
# ``async`` (InvokeEndpointAsync: the request body is read from S3, the answer written to S3 and
# announced on SNS; the fleet scales to zero when the queue is empty).
ServingMode = Literal["realtime", "async"]
REALTIME: ServingMode = "realtime"
ASYNC: ServingMode = "async"


class StagingServing(ConfigModel):
    """Staging is sized for cost: one small instance, or serverless (which cannot capture data).

    ``mode`` is ``realtime`` only: the promotion pipeline's smoke test invokes the staging endpoint
    synchronously and judges its answers and latency, which an async endpoint does not give. A model
    served asynchronously in prod runs the same container and artifact, so staging's realtime
    smoke test still proves the version before a human approves prod."""

    mode: ServingMode = REALTIME
    instance_type: InstanceType = "ml.t2.medium"
    serverless: bool = False
    serverless_memory_mb: Literal[1024, 2048, 3072, 4096, 5120, 6144] = 2048
    serverless_max_concurrency: Annotated[int, Field(ge=1, le=200)] = 5

    @model_validator(mode="after")
    def _realtime_only(self) -> "StagingServing":
        if self.mode == ASYNC:
            raise ValueError(
                "mode 'async' is refused in staging: the promotion pipeline's smoke test calls InvokeEndpoint "
                "and judges answers and p95 latency, which an async endpoint does not serve; keep staging "
                "'realtime' (or serverless = true, which costs nothing idle): it runs the same model artifact"
            )
        return self


# Fields that mean something in one prod mode only: setting one in the other mode is refused.
_REALTIME_ONLY = {
    "min_instances": "an async endpoint scales to zero when its queue is empty (minimum capacity 0)",
    "target_invocations_per_instance": "an async endpoint scales on its queue, target_backlog_per_instance",
    "canary_percent": (
        "canary traffic shifting splits live requests between two fleets by capacity; an async endpoint "
        "scaled to zero has no capacity to split and queues its requests, so it is updated all at once, "
        "watched by the rollback alarms for bake_minutes"
    ),
}
_ASYNC_ONLY = {
    "max_concurrent_invocations_per_instance": "a realtime endpoint has no request queue",
    "target_backlog_per_instance": "a realtime endpoint has no request queue; it scales on invocations",
}


class ShadowRelease(ConfigModel):
    """A new version first answers a copy of prod's traffic beside the served one, unseen by callers;
    the promotion compares the two on the same requests and stops unless they agree."""

    # How long the shadow receives traffic before the verdict. CodePipeline fails a Lambda action
    # after 24 hours, so the wait and the verdict must fit in them.
    duration_minutes: Annotated[int, Field(ge=10, le=1320)]
    # Rows answered by both versions (requests paired by inference id) the verdict needs at least.
    min_samples: Annotated[int, Field(ge=1)]
    # Share of paired rows whose decision (P(positive) >= 0.5) differs between the versions.
    max_disagreement_rate: Annotated[float, Field(ge=0, le=1)]
    # Mean absolute difference of the two versions' probabilities over the paired rows.
    max_score_delta: Annotated[float, Field(gt=0, le=1)]
    # p95 model latency of the shadow over that of the served version, over the same period.
    max_p95_latency_ratio: Annotated[float, Field(ge=1)]


class AbRelease(ConfigModel):
    """The new version serves ``challenger_weight_percent`` of prod's requests beside the served one."""

    challenger_weight_percent: Annotated[int, Field(ge=1, le=50)]


class ProdServing(ConfigModel):
    """Prod: autoscaled instances behind a canary blue/green deployment (``realtime``), which ``release``
    may precede with a shadow test (``shadow``) or replace with an A/B split (``ab``); or an asynchronous
    endpoint (``async``) that scales from zero on its queue and is updated all at once."""

    mode: ServingMode = REALTIME
    instance_type: InstanceType = "ml.m5.large"
    min_instances: Annotated[int, Field(ge=1, le=20)] = 2
    max_instances: Annotated[int, Field(ge=1, le=40)] = 4
    target_invocations_per_instance: Annotated[int, Field(ge=1)] = 750
    canary_percent: Annotated[int, Field(ge=5, le=50)] = 10
    # Minutes the canary, then the whole new fleet, serve before the old fleet is dropped;
    # the rollback alarms are watched meanwhile (SageMaker allows up to 60 per step).
    bake_minutes: Annotated[int, Field(ge=1, le=60)] = 10
    release: Literal["canary", "shadow", "ab"] = "canary"
    shadow: ShadowRelease | None = None
    ab: AbRelease | None = None
    # Async: requests one instance's container works on at once (SageMaker's default is 4),
    max_concurrent_invocations_per_instance: Annotated[int, Field(ge=1, le=1000)] = 4
    # and the queued requests per instance target tracking keeps the fleet at.
    target_backlog_per_instance: Annotated[int, Field(ge=1)] = 5

    @model_validator(mode="after")
    def _min_not_above_max(self) -> "ProdServing":
        if self.mode == REALTIME and self.min_instances > self.max_instances:
            raise ValueError(f"min_instances {self.min_instances} exceeds max_instances {self.max_instances}")
        return self

    @model_validator(mode="after")
    def _settings_of_the_release(self) -> "ProdServing":
        # Each strategy's thresholds are a decision on record: no defaults, and none left behind.
        for release in ("shadow", "ab"):
            settings = getattr(self, release)
            if self.release == release and settings is None:
                raise ValueError(f'release = "{release}" needs its settings: {release} = {{ ... }}')
            if self.release != release and settings is not None:
                raise ValueError(f'{release} = {{ ... }} applies to release = "{release}", not "{self.release}"')
        return self

    @model_validator(mode="after")
    def _fields_fit_the_mode(self) -> "ProdServing":
        misplaced = _REALTIME_ONLY if self.mode == ASYNC else _ASYNC_ONLY
        problems = [f"{name} does not apply to mode {self.mode!r}: {why}"
                    for name, why in misplaced.items() if name in self.model_fields_set]
        if self.mode == ASYNC and self.release != "canary":
            problems.append(
                f"release {self.release!r} does not apply to mode 'async': shadow and A/B variants compare "
                "answers to the same live requests, which an async endpoint queues and answers into S3"
            )
        if problems:
            raise ValueError("; ".join(problems))
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


class BatchScoring(ConfigModel):
    """Scheduled batch transform in prod on the version the prod endpoint serves.

    Each ``schedule`` tick scores the raw records (the endpoint's contract: ``text/csv`` rows
    without a header, or ``application/json`` lines each holding ``{"instances": [...]}``) found
    under ``input_prefix`` of the prod account's data-capture bucket, and writes the scores,
    with a manifest naming the version and each input file's sha256, under
    ``batch-output/<model>/<yyyy>/<mm>/<dd>/<job>/``."""

    enabled: bool = False
    schedule: str = "cron(0 2 * * ? *)"
    # Below batch-input/ so the model execution role's read of inputs never reaches outputs or captures.
    input_prefix: Annotated[str, Field(pattern=r"^batch-input/([a-zA-Z0-9][a-zA-Z0-9._-]*/)+$")] | None = None
    content_type: Literal["text/csv", "application/json"] = "text/csv"
    instance_type: InstanceType = "ml.m5.large"
    instance_count: Annotated[int, Field(ge=1, le=20)] = 1

    @field_validator("schedule")
    @classmethod
    def _scheduler_expression(cls, value: str) -> str:
        if not is_schedule_expression(value):
            raise ValueError(SCHEDULE_EXPRESSION_RULE)
        return value

    @model_validator(mode="after")
    def _enabled_needs_input(self) -> "BatchScoring":
        if self.enabled and self.input_prefix is None:
            raise ValueError("input_prefix is required when batch scoring is enabled, e.g. 'batch-input/<model>/'")
        return self


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
    tuning: Tuning = Tuning()
    serving: Serving = Serving()
    batch: BatchScoring = BatchScoring()
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
    def _tuning_objective_is_reported(self) -> "ModelConfig":
        if not self.tuning.enabled:
            return self
        metric = self.tuning.objective_metric.split(":", 1)[1]
        listed = [item.strip() for item in str(self.training.hyperparameters.get("eval_metric", "")).split(",")]
        if metric not in listed:
            raise ValueError(
                f"tuning.objective_metric {self.tuning.objective_metric!r}: training.hyperparameters.eval_metric must "
                f"list {metric!r}, or the algorithm never reports the metric the tuning job maximizes"
            )
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
