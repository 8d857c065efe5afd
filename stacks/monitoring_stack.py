"""MonitoringStack (staging, prod): watches every model's endpoint and tells dev when it drifts.

Per model: with ``open-source``, the default, ``DriftJobSchedule`` on the
endpoint's captured data, skipped where the endpoint cannot capture (serverless
staging); ``ModelAlarms`` on drift and endpoint health; a ``ModelDashboard``.
With ``sagemaker-model-monitor`` the schedules belong to the Endpoint stack
(``ModelMonitorSchedules``), and this stack alarms on the metrics they publish
under their fixed names. Per account: the ``MonitoringJobRole`` both engines run as,
and ``AlarmForwarding`` of every named alarm to dev's event bus. The account's
subnets, key and buckets come from ServingFoundation's SSM parameters
(``MonitoringSettings``), so the stack deploys after ServingFoundation.

Baselines follow the served version with no parameter to set. The open-source
drift job looks up, at each run, the baseline each version in its window
registered in dev's model package group (``DriftJobSchedule``). Model Monitor's
schedules need a fixed baseline, so they are deployed with the version they
judge: the promotion pipeline passes the version's registered baseline to the
Endpoint stack. The job role they run as is this stack's, so with that engine
Monitoring deploys before the first promotion.
"""

import re

from aws_cdk import Duration, Stack
from aws_cdk import aws_kms as kms
from constructs import Construct

from pipelines_src.monitoring.settings import settings_for_model
from stacks.components.drift_job_schedule import METRIC_NAMESPACE, DriftJobSchedule
from stacks.components.event_forwarding import AlarmForwarding
from stacks.components.model_alarms import DriftSignals, ModelAlarms, captures_data
from stacks.components.model_dashboard import ModelDashboard
from stacks.components.model_monitor_schedules import (
    MODEL_MONITOR,
    bounded_name,
    feature_drift_metrics,
    model_quality_metric,
)
from stacks.components.monitoring_job_role import MonitoringJobRole
from stacks.components.monitoring_settings import MonitoringSettings
from stacks.components.processing_images import clarify_image, model_monitor_image, sklearn_image
from stacks.components.realtime_endpoint import DATA_CAPTURE_PREFIX, VARIANT_NAME
from platform_config import PlatformConfig
from platform_config.models import ModelConfig
from platform_config.naming import endpoint_name, model_package_group_name, platform_tags

# Processing job names are at most 63 characters; the scheduler appends a run id.
JOB_NAME_PREFIX_LENGTH = 26


class MonitoringStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: PlatformConfig, account_name: str, **kwargs
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._config = config
        self._settings = MonitoringSettings(
            self, "Settings", config=config, account=getattr(config.accounts, account_name)
        )
        monitored = [model for model in config.models if captures_data(model, account_name)]
        self._job_role = (
            MonitoringJobRole(
                self,
                "MonitoringJobRole",
                config=config,
                key_arn=self._settings.key_arn,
                data_capture_bucket=self._settings.data_capture_bucket,
                monitoring_bucket=self._settings.monitoring_bucket,
                subnet_ids=self._settings.subnet_ids,
                security_group_id=self._settings.security_group_id,
                capture_prefixes=[_capture_prefix(config, model) for model in monitored],
                ground_truth_uris=[
                    model.monitoring.ground_truth_s3_uri for model in monitored if model.monitoring.ground_truth_s3_uri
                ],
                images=sorted({image for model in monitored for image in _images(model, self.region)}),
                metric_namespaces=[METRIC_NAMESPACE],
                invocable_endpoints=[
                    endpoint_name(config, model.name)
                    for model in monitored
                    if model.monitoring.engine == MODEL_MONITOR and model.sensitive_attributes
                ],
                model_package_groups=[
                    model_package_group_name(config, model.name)
                    for model in monitored
                    if model.monitoring.engine != MODEL_MONITOR
                ],
            ).role
            if monitored
            else None
        )
        alarm_names: list[str] = []
        for model in config.models:
            model_id = _pascal(model.name)
            drift = self._monitor(model, model_id) if model in monitored else None
            alarms = ModelAlarms(
                self,
                f"{model_id}Alarms",
                config=config,
                model=model,
                endpoint_name=endpoint_name(config, model.name),
                variant_name=VARIANT_NAME,
                drift=drift,
            )
            ModelDashboard(self, f"{model_id}Dashboard", model_name=model.name, alarms=alarms, drift=drift)
            alarm_names += alarms.alarm_names
        AlarmForwarding(
            self,
            "AlarmForwarding",
            alarm_names=alarm_names,
            dev_account_id=config.accounts.dev.account_id,
            dead_letter_key=kms.Key.from_key_arn(self, "ServingKey", self._settings.key_arn),
        )

    def _monitor(self, model: ModelConfig, model_id: str) -> DriftSignals:
        if model.monitoring.engine == MODEL_MONITOR:
            return _model_monitor_signals(self._config, model)
        return self._drift_job(model, model_id)

    def _drift_job(self, model: ModelConfig, model_id: str) -> DriftSignals:
        endpoint = endpoint_name(self._config, model.name)
        return DriftJobSchedule(
            self,
            f"{model_id}DriftJob",
            endpoint_name=endpoint,
            job_name_prefix=bounded_name(f"{endpoint}-drift", JOB_NAME_PREFIX_LENGTH),
            schedule_expression=model.monitoring.schedule,
            window_hours=schedule_interval_hours(model.monitoring.schedule),
            capture_s3_uri=self._settings.data_capture_bucket.s3_url_for_object(_capture_prefix(self._config, model)),
            model_package_group_arn=_registry_group_arn(self._config, model),
            ground_truth_s3_uri=model.monitoring.ground_truth_s3_uri,
            settings_json=settings_for_model(model).to_json(),
            judges_fairness=bool(model.sensitive_attributes),
            image_uri=sklearn_image(self.region),
            instance_type=model.monitoring.job_instance_type,
            job_role=self._job_role,
            settings=self._settings,
            tags=platform_tags(self._config),
        ).signals


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
    period = Duration.hours(min(schedule_interval_hours(model.monitoring.schedule), 24))
    return DriftSignals(
        feature_drift=feature_drift_metrics(endpoint, list(settings_for_model(model).features), period),
        feature_drift_threshold=model.monitoring.baseline_drift_distance,
        period=period,
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


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))
