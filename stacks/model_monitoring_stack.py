"""ModelMonitoringStack (staging, prod): watches one model's endpoint; one stack per model.

Holds everything of the model's monitoring in the account, and nothing of any
other model's, so adding or removing a model adds or removes this stack alone:

- where the endpoint captures data (not on a serverless staging endpoint): the
  model's ``MonitoringJobRole``, named ``monitoring_job_role_name``
  (``<platform>-<model>-monitoring-job``), which both engines run as; with
  ``open-source``, the default, its ``DriftJobSchedule`` on the captured data;
  with ``sagemaker-model-monitor`` the schedules belong to the Endpoint stack
  (``ModelMonitorSchedules``, deployed with the version they judge, running as this
  stack's role, so this stack deploys before the first promotion), and this stack
  alarms on the metrics they publish under their fixed names;
- ``ModelAlarms`` on drift and endpoint health, named ``monitoring_alarm_name``:
  the account's shared ``MonitoringStack`` forwards them to dev by that convention;
- a ``ModelDashboard`` (in prod of a shadow or A/B release, with the served and candidate
  variants side by side: ``compared_variants``);
- in prod, when the model's ``batch.enabled``: its ``BatchScoring`` (a scheduled transform job on
  the served version, and its manifest), whose failures alarm as ``<platform>-<model>-batch-scoring-failed``;
  the open-source drift job then also reads the batch jobs' records (``batch_capture_prefix``).

The account's subnets, key and buckets come from ServingFoundation's SSM
parameters (``MonitoringSettings``), so the stack deploys after ServingFoundation.
Baselines follow the served version with no parameter to set: the open-source drift
job looks up, at each run, the baseline each version in its window registered in
dev's model package group (``DriftJobSchedule``).
"""

import re

from aws_cdk import Stack
from constructs import Construct

from pipelines_src.monitoring.settings import settings_for_model
from platform_config import PlatformConfig
from platform_config.models import ModelConfig
from platform_config.naming import endpoint_name, model_package_group_name, monitoring_alarm_name, platform_tags
from stacks.account_settings import log_retention_of, removal_policy_of
from stacks.components.batch_scoring import BatchScoring, batch_capture_prefix
from stacks.components.drift_job_schedule import METRIC_NAMESPACE, DriftJobSchedule
from stacks.components.model_alarms import BATCH_SCORING_FAILED, DriftSignals, ModelAlarms, captures_data
from stacks.components.model_dashboard import ModelDashboard
from stacks.components.model_monitor_metrics import bounded_name, feature_drift_metrics, model_quality_metric
from stacks.components.model_monitor_schedules import MODEL_MONITOR
from stacks.components.monitoring_job_role import MonitoringJobRole
from stacks.components.monitoring_settings import MonitoringSettings
from stacks.components.processing_images import clarify_image, model_monitor_image, sklearn_image
from stacks.components.realtime_endpoint import (
    CHALLENGER_VARIANT_NAME,
    DATA_CAPTURE_PREFIX,
    SHADOW_VARIANT_NAME,
    VARIANT_NAME,
)
from stacks.cross_account import monitoring_job_role_name

# Processing job names are at most 63 characters; the scheduler appends a run id.
JOB_NAME_PREFIX_LENGTH = 26
# Transform job names too; batch scoring appends the tick, -yyyymmddHHMM.
BATCH_JOB_NAME_PREFIX_LENGTH = 50
BATCH_ACCOUNT = "prod"


class ModelMonitoringStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        model: ModelConfig,
        account_name: str,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, description=f"Monitoring of model {model.name}", **kwargs)
        self._config = config
        self._model = model
        # The account and region as plain strings (the stack's own are tokens to read across the jsii bridge).
        self._account = getattr(config.accounts, account_name)
        self._account_name = account_name
        self._monitoring_settings: MonitoringSettings | None = None
        endpoint = endpoint_name(config, model.name)
        drift = self._monitor() if captures_data(model, account_name) else None
        alarms = ModelAlarms(
            self, "Alarms", config=config, model=model, account_id=self._account.account_id, endpoint_name=endpoint,
            variant_name=VARIANT_NAME, drift=drift,
        )
        more_alarms = []
        if self._scores_in_batch():
            batch = self._batch_scoring()
            alarm_arn = f"arn:aws:cloudwatch:{config.region}:{self._account.account_id}:alarm:{batch.alarm_name}"
            more_alarms.append((alarm_arn, batch.alarm))
        ModelDashboard(
            self, "Dashboard", model_name=model.name, region=config.region, alarms=alarms, drift=drift,
            endpoint_name=endpoint, variants=compared_variants(model, account_name), more_alarms=more_alarms,
        )

    def _scores_in_batch(self) -> bool:
        return self._account_name == BATCH_ACCOUNT and self._model.batch.enabled

    def _batch_scoring(self) -> BatchScoring:
        config, model = self._config, self._model
        endpoint = endpoint_name(config, model.name)
        return BatchScoring(
            self,
            "BatchScoring",
            model_name=model.name,
            batch=model.batch,
            endpoint_name=endpoint,
            job_name_prefix=bounded_name(f"{endpoint}-batch", BATCH_JOB_NAME_PREFIX_LENGTH),
            window_hours=schedule_interval_hours(model.batch.schedule),
            account_id=self._account.account_id,
            region=config.region,
            settings=self._settings(),
            alarm_name=monitoring_alarm_name(config, model.name, BATCH_SCORING_FAILED),
            log_retention=log_retention_of(self._account),
            removal_policy=removal_policy_of(self._account),
            tags=platform_tags(config),
        )

    def _settings(self) -> MonitoringSettings:
        # Parameters are stack-wide: the drift job and batch scoring read the same ones.
        if self._monitoring_settings is None:
            self._monitoring_settings = MonitoringSettings(self, config=self._config, account=self._account)
        return self._monitoring_settings

    def _monitor(self) -> DriftSignals:
        config, model = self._config, self._model
        settings = self._settings()
        model_monitor = model.monitoring.engine == MODEL_MONITOR
        ground_truth = model.monitoring.ground_truth_s3_uri
        # Batch scoring writes its jobs' rows and scores in the capture format: the drift job reads them too.
        batch_capture = (
            [batch_capture_prefix(endpoint_name(config, model.name))]
            if self._scores_in_batch() and not model_monitor
            else []
        )
        job_role = MonitoringJobRole(
            self,
            "MonitoringJobRole",
            config=config,
            account_id=self._account.account_id,
            role_name=monitoring_job_role_name(config, model.name),
            settings=settings,
            capture_prefixes=[_capture_prefix(config, model), *batch_capture],
            ground_truth_uris=[ground_truth] if ground_truth else [],
            images=_images(model, config.region),
            metric_namespaces=[METRIC_NAMESPACE],
            # Clarify's feature attribution jobs call the model.
            invocable_endpoints=(
                [endpoint_name(config, model.name)] if model_monitor and model.sensitive_attributes else []
            ),
            model_package_groups=[] if model_monitor else [model_package_group_name(config, model.name)],
        )
        if model_monitor:
            job_role.attach()
            return _model_monitor_signals(config, model)
        endpoint = endpoint_name(config, model.name)
        signals = DriftJobSchedule(
            self,
            "DriftJob",
            account_id=self._account.account_id,
            region=config.region,
            endpoint_name=endpoint,
            job_name_prefix=bounded_name(f"{endpoint}-drift", JOB_NAME_PREFIX_LENGTH),
            schedule_expression=model.monitoring.schedule,
            window_hours=schedule_interval_hours(model.monitoring.schedule),
            capture_s3_uri=settings.data_capture_bucket.s3_url_for_object(_capture_prefix(config, model)),
            batch_capture_s3_uri=(
                settings.data_capture_bucket.s3_url_for_object(batch_capture[0]) if batch_capture else None
            ),
            model_package_group_arn=_registry_group_arn(config, model),
            ground_truth_s3_uri=ground_truth,
            settings_json=settings_for_model(model).to_json(),
            judges_fairness=bool(model.sensitive_attributes),
            image_uri=sklearn_image(config.region),
            instance_type=model.monitoring.job_instance_type,
            job_role=job_role,
            settings=settings,
            tags=platform_tags(config),
        ).signals
        job_role.attach()
        return signals


def compared_variants(model: ModelConfig, account_name: str) -> tuple[str, ...]:
    """The variants the dashboard shows side by side: prod's served one and a shadow or A/B candidate."""
    candidate = {"shadow": SHADOW_VARIANT_NAME, "ab": CHALLENGER_VARIANT_NAME}.get(model.serving.prod.release)
    return (VARIANT_NAME, candidate) if account_name == "prod" and candidate else ()


def schedule_interval_hours(expression: str) -> int:
    """Hours between two runs of a (validated) scheduler expression: the window a run analyses.
    Crons other than hourly and every-N-hours count as daily."""
    rate = re.fullmatch(r"rate\((\d+) (minute|hour|day)s?\)", expression)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        return {"minute": max(1, -(-value // 60)), "hour": value, "day": 24 * value}[unit]
    hours_field = expression.removeprefix("cron(").split()[1]
    if hours_field == "*":
        return 1
    if "/" in hours_field:
        return int(hours_field.split("/")[1])
    return 24


def _model_monitor_signals(config: PlatformConfig, model: ModelConfig) -> DriftSignals:
    """What the Endpoint stack's Model Monitor schedules publish, found by their fixed names."""
    endpoint = endpoint_name(config, model.name)
    period = min(schedule_interval_hours(model.monitoring.schedule), 24) * 3600
    return DriftSignals(
        feature_drift=feature_drift_metrics(endpoint, list(settings_for_model(model).features), period),
        feature_drift_threshold=model.monitoring.baseline_drift_distance,
        period_seconds=period,
        auc=model_quality_metric(endpoint, period) if model.monitoring.ground_truth_s3_uri else None,
    )


def _capture_prefix(config: PlatformConfig, model: ModelConfig) -> str:
    return f"{DATA_CAPTURE_PREFIX}/{endpoint_name(config, model.name)}/"


def _images(model: ModelConfig, region: str) -> list[str]:
    if model.monitoring.engine != MODEL_MONITOR:
        return [sklearn_image(region)]
    return [model_monitor_image(region), *([clarify_image(region)] if model.sensitive_attributes else [])]


def _registry_group_arn(config: PlatformConfig, model: ModelConfig) -> str:
    # SageMaker lowercases names in ARNs.
    group = model_package_group_name(config, model.name).lower()
    return f"arn:aws:sagemaker:{config.region}:{config.accounts.dev.account_id}:model-package-group/{group}"
