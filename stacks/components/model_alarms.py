"""ModelAlarms: the CloudWatch alarms that watch one model's endpoint in a serving account.

Alarms are named ``monitoring_alarm_name(config, model, purpose)``; dev's retrain
rule selects the drift alarms forwarded from prod by these names:

- ``endpoint-5xx``: the share of invocations answered 5xx above
  ``endpoint_5xx_percent`` for three consecutive 5-minute periods;
- ``endpoint-latency``: p99 ``ModelLatency`` above ``endpoint_p99_latency_ms``
  for three consecutive 5-minute periods;
- ``data-drift`` (when the account captures data): any of the engine's
  ``DriftSignals.feature_drift`` metrics above its threshold in the last run.
  Past ten metrics (a metric math alarm's limit) the metrics are split over
  unnamed alarms that a composite alarm of that name ORs together;
- ``model-quality`` (with ground truth): the run's AUC below the build gate's ``min_auc``;
- ``fairness`` (when the engine judges fairness): any sensitive attribute flagged by the run;
- ``monitoring-silent`` (when the engine reports a heartbeat): no monitoring run
  reported over two schedule periods (a scheduler, IAM or job failure);
- ``unjudged-records`` (when the engine judges each version against its registered
  baseline): the last run found records no registered baseline could judge (a version
  served without a registered drift-check baseline, or answers naming no readable
  version), so drift went unwatched for them.

Alarms have no actions: EventBridge forwards their state changes to dev
(``AlarmForwarding``), which notifies and retrains.

L1 alarms with properties built in Python (``metric_specs``): their CloudWatch L2 counterparts
cost a call across the jsii bridge per metric, expression and property read. Each alarm keeps
the logical id its L2 alarm had (``in_place_of_l2``), so the named alarms are not replaced.

Exposes ``alarm_names`` (every named alarm's, as plain strings), ``alarm_arns`` (theirs, spelled
in Python from the account and region) and the endpoint metrics ``invocations``, ``errors_4xx``,
``errors_5xx`` and ``latency`` (p99).
"""

from dataclasses import dataclass

from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from stacks.components.endpoint_metrics import endpoint_metrics, five_xx_share
from stacks.components.logical_ids import RESOURCE, in_place_of_l2
from stacks.components.metric_specs import MathExpression, Metric, alarm_metric_properties
from stacks.components.nag import acknowledge
from platform_config import PlatformConfig
from platform_config.models import ModelConfig
from platform_config.naming import monitoring_alarm_name

ENDPOINT_5XX = "endpoint-5xx"
ENDPOINT_LATENCY = "endpoint-latency"
DATA_DRIFT = "data-drift"
MODEL_QUALITY = "model-quality"
FAIRNESS = "fairness"
MONITORING_SILENT = "monitoring-silent"
UNJUDGED_RECORDS = "unjudged-records"
# A batch scoring tick or completion that failed after retries (``BatchScoring``, prod).
BATCH_SCORING_FAILED = "batch-scoring-failed"

# Every purpose a named alarm may have: AlarmForwarding forwards the alarms with these names.
NAMED_ALARM_PURPOSES = (
    ENDPOINT_5XX, ENDPOINT_LATENCY, DATA_DRIFT, MODEL_QUALITY, FAIRNESS, MONITORING_SILENT, UNJUDGED_RECORDS,
    BATCH_SCORING_FAILED,
)

ENDPOINT_PERIOD_SECONDS = 300
ENDPOINT_PERIODS_TO_ALARM = 3
# CloudWatch caps a metric math alarm at ten metrics.
METRICS_PER_ALARM = 10
GREATER_THAN = "GreaterThanThreshold"
LESS_THAN = "LessThanThreshold"
NOT_BREACHING = "notBreaching"
BREACHING = "breaching"


@dataclass(frozen=True)
class DriftSignals:
    """What a monitoring engine publishes, each over ``period_seconds``: drift alarms when any
    ``feature_drift`` metric exceeds ``feature_drift_threshold``; quality when ``auc`` drops
    below the gate; fairness when ``flagged_attributes`` is above zero; silence when
    ``heartbeat`` has no data point; unjudged records when ``unjudged_records`` is above zero."""

    feature_drift: list[Metric]
    feature_drift_threshold: float
    period_seconds: int
    auc: Metric | None = None
    flagged_attributes: Metric | None = None
    heartbeat: Metric | None = None
    unjudged_records: Metric | None = None


def retraining_alarm_purposes(model: ModelConfig) -> tuple[str, ...]:
    """The alarms of a model whose ALARM state in prod starts retraining in dev."""
    return (DATA_DRIFT, MODEL_QUALITY) if model.monitoring.ground_truth_s3_uri else (DATA_DRIFT,)


def captures_data(model: ModelConfig, account_name: str) -> bool:
    """Whether the model's endpoint in ``account_name`` captures the data drift monitors read
    (serverless endpoints cannot capture)."""
    serverless = account_name == "staging" and model.serving.staging.serverless
    return model.serving.data_capture_percent > 0 and not serverless


class ModelAlarms(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        model: ModelConfig,
        account_id: str,
        endpoint_name: str,
        variant_name: str,
        drift: DriftSignals | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._model = model
        self._arn_prefix = f"arn:aws:cloudwatch:{config.region}:{account_id}:alarm:"
        self.alarm_names: list[str] = []
        self.alarm_arns: list[str] = []
        metrics = endpoint_metrics(endpoint_name, variant_name, ENDPOINT_PERIOD_SECONDS)
        self.invocations, self.errors_4xx, self.errors_5xx, self.latency = metrics
        monitoring = model.monitoring
        self._alarm(
            "Endpoint5xx",
            ENDPOINT_5XX,
            five_xx_share(self.invocations, self.errors_5xx, ENDPOINT_PERIOD_SECONDS),
            threshold=monitoring.endpoint_5xx_percent,
            periods=ENDPOINT_PERIODS_TO_ALARM,
            description=f"More than {monitoring.endpoint_5xx_percent}% of invocations failed with 5xx.",
        )
        self._alarm(
            "EndpointLatency",
            ENDPOINT_LATENCY,
            self.latency,
            # ModelLatency is reported in microseconds.
            threshold=monitoring.endpoint_p99_latency_ms * 1000,
            periods=ENDPOINT_PERIODS_TO_ALARM,
            description=f"p99 model latency above {monitoring.endpoint_p99_latency_ms} ms.",
        )
        if drift is not None:
            self._drift_alarms(drift)
        # One acknowledgement for every alarm below this construct.
        acknowledge(
            self,
            "NIST.800.53.R5::NIST.800.53.R5-CloudWatchAlarmAction",
            "State changes are routed by EventBridge (AlarmForwarding) to dev, where a rule notifies the "
            "approvers' SNS topic and drift starts retraining; an alarm action would duplicate that path.",
        )

    def _drift_alarms(self, drift: DriftSignals) -> None:
        description = (
            "Features drifted from the training baseline. In prod this starts retraining in dev "
            f"(at most once per {self._model.monitoring.retrain_min_interval_hours} h)."
        )
        chunks = [
            drift.feature_drift[start : start + METRICS_PER_ALARM]
            for start in range(0, len(drift.feature_drift), METRICS_PER_ALARM)
        ]
        if len(chunks) == 1:
            self._alarm("DataDrift", DATA_DRIFT, _max_of(chunks[0], drift.period_seconds),
                        threshold=drift.feature_drift_threshold, description=description)
        else:
            parts = [
                self._alarm(f"DataDriftPart{index}", None, _max_of(chunk, drift.period_seconds),
                            threshold=drift.feature_drift_threshold,
                            description=f"Part {index} of {len(chunks)} of {DATA_DRIFT}.")
                for index, chunk in enumerate(chunks, start=1)
            ]
            name = monitoring_alarm_name(self._config, self._model.name, DATA_DRIFT)
            # CDK's AlarmRule.any_of, spelled out: the parts have generated names, known by their ARNs.
            any_part = " OR ".join(f'ALARM("{part.attr_arn}")' for part in parts)
            cloudwatch.CfnCompositeAlarm(
                in_place_of_l2(self, "DataDrift"),
                RESOURCE,
                alarm_name=name,
                alarm_description=description,
                alarm_rule=f"({any_part})",
            )
            self._named(name)
        if drift.auc is not None:
            self._alarm(
                "ModelQuality",
                MODEL_QUALITY,
                drift.auc,
                threshold=self._model.gates.min_auc,
                comparison=LESS_THAN,
                description=f"Live AUC below the registration gate ({self._model.gates.min_auc}).",
            )
        if drift.flagged_attributes is not None:
            self._alarm(
                "Fairness",
                FAIRNESS,
                drift.flagged_attributes,
                threshold=0,
                description="A sensitive attribute's disparate impact or DPPL left the band the build gate allows.",
            )
        if drift.heartbeat is not None:
            self._alarm(
                "MonitoringSilent",
                MONITORING_SILENT,
                drift.heartbeat,
                threshold=1,
                comparison=LESS_THAN,
                missing=BREACHING,
                description="No monitoring run reported: check the schedule, the job's logs and its role.",
            )
        if drift.unjudged_records is not None:
            self._alarm(
                "UnjudgedRecords",
                UNJUDGED_RECORDS,
                drift.unjudged_records,
                threshold=0,
                description="The last run found records no registered baseline could judge (a version served "
                "without a registered drift-check baseline, or answers naming no readable version): drift is "
                "unwatched for them. The run's versions.json says which versions and why.",
            )

    def _alarm(
        self,
        construct_id: str,
        purpose: str | None,
        metric: Metric | MathExpression,
        *,
        threshold: float,
        description: str,
        periods: int = 1,
        comparison: str = GREATER_THAN,
        missing: str = NOT_BREACHING,
    ) -> cloudwatch.CfnAlarm:
        name = monitoring_alarm_name(self._config, self._model.name, purpose) if purpose else None
        alarm = cloudwatch.CfnAlarm(
            in_place_of_l2(self, construct_id),
            RESOURCE,
            alarm_name=name,
            alarm_description=description,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=periods,
            datapoints_to_alarm=periods,
            treat_missing_data=missing,
            **alarm_metric_properties(metric),
        )
        if name:
            self._named(name)
        return alarm

    def _named(self, name: str) -> None:
        self.alarm_names.append(name)
        self.alarm_arns.append(f"{self._arn_prefix}{name}")


def _max_of(metrics: list[Metric], period_seconds: int) -> Metric | MathExpression:
    if len(metrics) == 1:
        return metrics[0]
    return MathExpression(
        expression=f"MAX([{', '.join(f'm{index}' for index in range(len(metrics)))}])",
        using_metrics={f"m{index}": metric for index, metric in enumerate(metrics)},
        label="largest feature drift",
        period_seconds=period_seconds,
    )
