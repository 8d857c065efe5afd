"""EndpointStack (staging, prod): one model's endpoint, deployed only by the promotion pipeline.

Synthesized with the rest of the app so its template sits in ``cdk.out``, where
the pipeline's synth step picks it up. It is self-contained so the pipeline can
deploy it on its own, any time after ServingFoundation:

- the stack name is fixed (``endpoint_stack_name``), the same in both accounts;
- ``ModelPackageArn`` (a version of the model's group in dev's registry) is the
  one parameter the pipeline sets;
- subnets, security group, data-capture bucket and key come from SSM parameters
  of ServingFoundation, resolved by CloudFormation at deploy time
  (``EndpointSettings``), not from exports or tokens of other stacks;
- the deploy and execution roles in the cloud assembly are the fixed-name
  ``endpoint_deployer`` and ``cloudformation_execution``, and there is no CDK
  bootstrap version parameter: no asset, no bootstrap resource is involved.
  ``cdk deploy`` of this stack fails on purpose (only dev's pipeline may assume
  the deployer role).

With the ``sagemaker-model-monitor`` engine (where the endpoint captures data),
the stack also carries the endpoint's ``ModelMonitorSchedules``, which run as the
model's monitoring job role (``monitoring_job_role_name``, its Monitoring stack) and judge the served version
against its own data-quality baseline: ``BaselineStatisticsUri`` and
``BaselineConstraintsUri``, parameters without defaults that the pipeline sets
from the version's ``DriftCheckBaselines`` with ``ModelPackageArn``. The
schedules switch to a new version's baseline once its deployment has finished.
With sensitive attributes, ``BiasAnalysisConfigUri`` and
``ExplainabilityAnalysisConfigUri`` name the Clarify analysis configs; the build
registers none, so they default to a fixed place in dev's artifact bucket.

Staging: one small instance, or serverless (no data capture) when the config
says so; all-at-once blue/green. Prod, ``mode = "realtime"``: ``min_instances`` behind
target-tracking autoscaling, canary blue/green (``RealtimeEndpoint``); ``mode = "async"``:
an ``AsyncEndpoint`` scaling from zero on its queue, its success and error SNS topics,
all-at-once blue/green. Both roll back on the rollback alarms.

Release strategies (``serving.prod.release``, prod, realtime only). ``ModelPackageArn`` always
names the version the production variant ``AllTraffic`` serves. A ``shadow`` or ``ab``
model's prod stack takes one more parameter, the candidate beside it, ``"none"`` by
default (``CANDIDATE_PARAMETERS``): ``ShadowModelPackageArn`` (a shadow variant) or
``ChallengerModelPackageArn`` (a second production variant with
``ab.challenger_weight_percent`` of the requests). The promotion pipeline first deploys
the version it finds served (``ModelPackageArn``) with the promoted one as the candidate,
then, after the shadow verdict or the second approval, the promoted one alone: one
template, two parameters, no state of its own. The candidate's model and variant exist
only while the parameter names a version (condition ``HasCandidate``).
"""

from aws_cdk import BootstraplessSynthesizer, CfnCondition, CfnParameter, Fn, Stack
from constructs import Construct

from stacks.components.async_endpoint import AsyncEndpoint, AsyncScaling
from stacks.components.endpoint_settings import EndpointSettings
from stacks.components.model_monitor_schedules import (
    ModelMonitorBaselines,
    ModelMonitorSchedules,
    has_model_monitor_schedules,
)
from stacks.components.monitoring_settings import MonitoringSettings
from stacks.components.realtime_endpoint import (
    Autoscaling,
    Canary,
    Candidate,
    RealtimeEndpoint,
    RollbackThresholds,
    Serverless,
)
from platform_config import PlatformConfig
from platform_config.models import ASYNC, ModelConfig
from stacks.cross_account import monitoring_job_role_name, role_arn, serving_role_names
from platform_config.naming import (
    async_topic_name,
    dev_bucket_name,
    endpoint_name,
    endpoint_stack_name,
    model_package_group_name,
    rollback_alarm_name,
    scaling_alarm_name,
)

MODEL_PACKAGE_PARAMETER = "ModelPackageArn"
# Parameter → the approval check's output variable the pipeline sets it from.
BASELINE_PARAMETERS = {"BaselineStatisticsUri": "StatisticsUri", "BaselineConstraintsUri": "ConstraintsUri"}
S3_URI = r"^s3://[a-z0-9.-]{3,63}/.+$"
# Release → the parameter naming the version beside the served one, "none" when there is none.
CANDIDATE_PARAMETERS = {"shadow": "ShadowModelPackageArn", "ab": "ChallengerModelPackageArn"}
NO_CANDIDATE = "none"


class EndpointStack(Stack):
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
        names = serving_role_names(config)
        super().__init__(
            scope,
            construct_id,
            stack_name=endpoint_stack_name(config, model.name),
            synthesizer=BootstraplessSynthesizer(
                deploy_role_arn=role_arn(config, account_name, names.endpoint_deployer),
                cloud_formation_execution_role_arn=role_arn(config, account_name, names.cloudformation_execution),
            ),
            description=f"Endpoint of model {model.name}; deployed by the promotion pipeline",
            **kwargs,
        )
        group = model_package_group_name(config, model.name)
        package_pattern = (
            rf"arn:aws[a-z-]*:sagemaker:{config.region}:{config.accounts.dev.account_id}"
            rf":model-package/{group.lower()}/[0-9]+"
        )
        package = CfnParameter(
            self,
            MODEL_PACKAGE_PARAMETER,
            type="String",
            description=f"The approved version of {group} in dev's model registry to serve",
            allowed_pattern=f"^{package_pattern}$",
            constraint_description=f"a model package ARN of group {group} in the dev account",
        )
        serving = model.serving
        prod = account_name == "prod"
        candidate = self._candidate(model, group, package_pattern) if prod else None
        staging = serving.staging
        serverless = staging.serverless and not prod
        settings = EndpointSettings(self, config=config, serverless=serverless)
        rollback = RollbackThresholds(
            max_5xx_percent=model.monitoring.endpoint_5xx_percent,
            max_p99_latency_ms=model.monitoring.endpoint_p99_latency_ms,
        )
        rollback_alarm_names = (
            rollback_alarm_name(config, model.name, "5xx"),
            rollback_alarm_name(config, model.name, "latency"),
        )
        served = {
            "endpoint_name": endpoint_name(config, model.name),
            "model_package_arn": package.value_as_string,
            "execution_role_arn": role_arn(config, account_name, names.model_execution),
            "subnet_ids": settings.subnet_ids,
            "security_group_id": settings.security_group_id,
            "capture_percent": serving.data_capture_percent,
            "rollback": rollback,
            "rollback_alarm_names": rollback_alarm_names,
        }
        if prod and serving.prod.mode == ASYNC:
            endpoint = self._async_endpoint(config, model, settings, served)
        else:
            endpoint = RealtimeEndpoint(
                self,
                "Endpoint",
                **served,
                key_arn=settings.key_arn,
                data_capture_bucket=settings.data_capture_bucket,
                instance_type=serving.prod.instance_type if prod else staging.instance_type,
                instance_count=serving.prod.min_instances if prod else 1,
                serverless=(
                    Serverless(memory_mb=staging.serverless_memory_mb, max_concurrency=staging.serverless_max_concurrency)
                    if serverless
                    else None
                ),
                canary=Canary(percent=serving.prod.canary_percent, bake_minutes=serving.prod.bake_minutes) if prod else None,
                autoscaling=(
                    Autoscaling(
                        min_instances=serving.prod.min_instances,
                        max_instances=serving.prod.max_instances,
                        target_invocations_per_instance=serving.prod.target_invocations_per_instance,
                    )
                    if prod
                    else None
                ),
                candidate=candidate,
            )

        if has_model_monitor_schedules(model, account_name):
            schedules = ModelMonitorSchedules(
                self,
                "ModelMonitor",
                model=model,
                endpoint_name=endpoint_name(config, model.name),
                # arn:...:model-package/<group>/<version>
                version=Fn.select(2, Fn.split("/", package.value_as_string)),
                baselines=self._baselines(config, model),
                role_arn=role_arn(config, account_name, monitoring_job_role_name(config, model.name)),
                settings=MonitoringSettings(
                    self, config=config, account=getattr(config.accounts, account_name), endpoint_settings=settings
                ),
                region=config.region,
            )
            schedules.node.add_dependency(endpoint)

    def _candidate(self, model: ModelConfig, group: str, package_pattern: str) -> Candidate | None:
        release = model.serving.prod.release
        if release not in CANDIDATE_PARAMETERS:
            return None
        parameter = CfnParameter(
            self,
            CANDIDATE_PARAMETERS[release],
            type="String",
            default=NO_CANDIDATE,
            description=f"A version of {group} to run beside the served one ({release}), or {NO_CANDIDATE}",
            allowed_pattern=f"^({NO_CANDIDATE}|{package_pattern})$",
            constraint_description=f"{NO_CANDIDATE} or a model package ARN of group {group} in the dev account",
        )
        condition = CfnCondition(
            self, "HasCandidate", expression=Fn.condition_not(Fn.condition_equals(parameter.value_as_string, NO_CANDIDATE))
        )
        weight = model.serving.prod.ab.challenger_weight_percent if release == "ab" else 0
        return Candidate(parameter.value_as_string, condition, release, weight)

    def _async_endpoint(
        self, config: PlatformConfig, model: ModelConfig, settings: EndpointSettings, served: dict
    ) -> AsyncEndpoint:
        prod = model.serving.prod
        if settings.key_arn is None or settings.data_capture_bucket is None:
            raise ValueError(f"{model.name}: an async endpoint needs the serving key and data-capture bucket")
        return AsyncEndpoint(
            self,
            "Endpoint",
            **served,
            key_arn=settings.key_arn,
            data_capture_bucket=settings.data_capture_bucket,
            instance_type=prod.instance_type,
            scaling=AsyncScaling(
                max_instances=prod.max_instances,
                max_concurrent_invocations_per_instance=prod.max_concurrent_invocations_per_instance,
                target_backlog_per_instance=prod.target_backlog_per_instance,
            ),
            bake_minutes=prod.bake_minutes,
            topic_names=(
                async_topic_name(config, model.name, "success"),
                async_topic_name(config, model.name, "error"),
            ),
            backlog_alarm_name=scaling_alarm_name(config, model.name, "backlog-without-capacity"),
        )

    def _baselines(self, config: PlatformConfig, model: ModelConfig) -> ModelMonitorBaselines:
        statistics, constraints = (
            CfnParameter(
                self,
                parameter,
                type="String",
                description=f"{variable} of the served version's DriftCheckBaselines (set by the promotion pipeline)",
                allowed_pattern=S3_URI,
                constraint_description="an s3:// URI",
            ).value_as_string
            for parameter, variable in BASELINE_PARAMETERS.items()
        )
        clarify = {}
        if model.sensitive_attributes:
            clarify = {
                f"{kind}_analysis_config": CfnParameter(
                    self,
                    f"{kind.capitalize()}AnalysisConfigUri",
                    type="String",
                    default=f"s3://{dev_bucket_name(config, 'artifacts')}/models/{model.name}/baseline/clarify/"
                    f"{kind}_analysis_config.json",
                    description=f"Clarify analysis config of {model.name}'s {kind} monitor (not built yet)",
                    allowed_pattern=S3_URI,
                    constraint_description="an s3:// URI",
                ).value_as_string
                for kind in ("bias", "explainability")
            }
        return ModelMonitorBaselines(statistics=statistics, constraints=constraints, **clarify)
