"""RealtimeEndpoint: a model version from dev's registry served behind a fixed endpoint name.

Creates:

- an ``AWS::SageMaker::Model`` whose one container is ``model_package_arn`` (a
  version in dev's registry), running as ``execution_role_arn``, in the given
  subnets and security group, network-isolated (a serverless endpoint's model has
  neither: SageMaker supports no VPC nor network isolation there, and ``subnet_ids``
  and ``security_group_id`` are then ``None``);
- an endpoint config with one variant ``VARIANT_NAME``: ``instance_type`` ×
  ``instance_count``, or serverless when ``serverless`` is given (which cannot
  capture data nor take a volume key: ``key_arn`` and ``data_capture_bucket`` may
  then be ``None``); otherwise capturing ``capture_percent``
  (none at 0) of requests and responses (CSV) below ``DATA_CAPTURE_PREFIX`` of
  ``data_capture_bucket``, encrypted with ``key_arn``, which also encrypts volumes;
- the endpoint, named ``endpoint_name``, updated blue/green (``canary`` of
  capacity first, or all at once) and rolled back when either rollback alarm
  fires while the new fleet bakes;
- the rollback alarms, named ``rollback_alarm_names``: the share of 5xx answers above
  ``max_5xx_percent``, p99 model latency above ``max_p99_latency_ms``, each over
  two consecutive minutes (L1 alarms with properties built in Python, ``metric_specs``:
  an L2 alarm, its metrics and expression cost a call across the jsii bridge each; their
  logical ids are the L2 alarms', ``in_place_of_l2``);
- with ``autoscaling``: target tracking on invocations per instance;
- with ``candidate`` (prod): a second version beside the served one, present only while
  ``candidate.condition`` holds (its package parameter names a version): a model
  ``CandidateModel`` and, in the endpoint config, either the shadow variant
  ``SHADOW_VARIANT_NAME`` (``shadow``: same type and count as the served variant, equal
  weight, so SageMaker replicates every request to it and returns only the served
  variant's answers; data capture records both, each below its own variant folder) or the
  production variant ``CHALLENGER_VARIANT_NAME`` (``ab``: ``weight_percent`` of the requests,
  the served variant the rest; the smallest instance count carrying its share). While a
  candidate is present the update shifts all traffic at once: the served variant keeps its
  version, so a canary would test nothing, and the candidate is judged apart (shadow
  verdict, A/B metrics). Autoscaling and the rollback alarms follow the served variant.

The model and the endpoint config have CloudFormation-generated names, so a new
package replaces both without collisions while the endpoint keeps its name and
is updated in place. Exposes ``model``, ``candidate_model`` (``None`` without a candidate),
``endpoint_config``, ``endpoint`` and ``rollback_alarms``. ``served_model``, ``rollback_alarms``
and ``data_capture_config`` are shared with ``AsyncEndpoint``.
"""

import math
from dataclasses import dataclass
from typing import Literal

from aws_cdk import Aws, CfnCondition, Fn, Token
from aws_cdk import aws_applicationautoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from stacks.components.endpoint_metrics import endpoint_metrics, five_xx_share
from stacks.components.logical_ids import RESOURCE, in_place_of_l2
from stacks.components.metric_specs import alarm_metric_properties
from stacks.components.nag import acknowledge

VARIANT_NAME = "AllTraffic"
SHADOW_VARIANT_NAME = "Shadow"
CHALLENGER_VARIANT_NAME = "Challenger"
# SageMaker writes captured data below <destination>/<endpoint>/<variant>/; the monitors read there.
DATA_CAPTURE_PREFIX = "data-capture"
CSV_CONTENT_TYPES = ["text/csv"]
ROLLBACK_PERIOD_SECONDS = 60
ROLLBACK_PERIODS_TO_ALARM = 2
# Provisioning a new fleet takes minutes on top of the baking time.
PROVISIONING_ALLOWANCE_SECONDS = 1800
SCALE_IN_COOLDOWN_SECONDS = 300
SCALE_OUT_COOLDOWN_SECONDS = 60


@dataclass(frozen=True)
class Serverless:
    memory_mb: int
    max_concurrency: int


@dataclass(frozen=True)
class Canary:
    """Shift ``percent`` of capacity first, then the rest, ``bake_minutes`` apart, and keep the
    old fleet ``bake_minutes`` longer."""

    percent: int
    bake_minutes: int


@dataclass(frozen=True)
class Autoscaling:
    min_instances: int
    max_instances: int
    target_invocations_per_instance: int


@dataclass(frozen=True)
class Candidate:
    """The version to run beside the served one (a parameter token) when ``condition`` holds:
    as its ``shadow``, or as an ``ab`` challenger taking ``weight_percent`` of the requests."""

    model_package_arn: str
    condition: CfnCondition
    mode: Literal["shadow", "ab"]
    weight_percent: int = 0


@dataclass(frozen=True)
class RollbackThresholds:
    max_5xx_percent: float
    max_p99_latency_ms: int


class RealtimeEndpoint(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint_name: str,
        model_package_arn: str,
        execution_role_arn: str,
        subnet_ids: list[str],
        security_group_id: str,
        key_arn: str | None,
        data_capture_bucket: str | None,
        capture_percent: int,
        instance_type: str,
        instance_count: int,
        rollback: RollbackThresholds,
        rollback_alarm_names: tuple[str, str],
        serverless: Serverless | None = None,
        canary: Canary | None = None,
        autoscaling: Autoscaling | None = None,
        candidate: Candidate | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._candidate = candidate
        self.model = served_model(self, "Model", model_package_arn, execution_role_arn, subnet_ids, security_group_id)
        self.candidate_model = None
        if candidate is not None:
            self.candidate_model = served_model(
                self, "CandidateModel", candidate.model_package_arn, execution_role_arn, subnet_ids, security_group_id
            )
            self.candidate_model.cfn_options.condition = candidate.condition
        self.endpoint_config = self._endpoint_config(
            key_arn, data_capture_bucket, capture_percent, instance_type, instance_count, serverless
        )
        self.rollback_alarms = rollback_alarms(self, endpoint_name, rollback, rollback_alarm_names)
        self.endpoint = sagemaker.CfnEndpoint(
            self,
            "Endpoint",
            endpoint_name=endpoint_name,
            endpoint_config_name=self.endpoint_config.attr_endpoint_config_name,
            deployment_config=sagemaker.CfnEndpoint.DeploymentConfigProperty(
                blue_green_update_policy=(
                    _blue_green(canary) if candidate is None
                    else Fn.condition_if(
                        candidate.condition.logical_id, _as_template(_blue_green(None)), _as_template(_blue_green(canary))
                    )
                ),
                auto_rollback_configuration=sagemaker.CfnEndpoint.AutoRollbackConfigProperty(
                    alarms=[sagemaker.CfnEndpoint.AlarmProperty(alarm_name=alarm.ref) for alarm in self.rollback_alarms]
                ),
            ),
        )
        if autoscaling is not None:
            self._autoscale(endpoint_name, autoscaling)

    def _candidate_variants(self, instance_type: str, instance_count: int) -> dict:
        """The endpoint config's properties that carry the candidate, and the served variant's weight."""
        candidate = self._candidate
        if candidate is None:
            return {}
        variant = sagemaker.CfnEndpointConfig.ProductionVariantProperty
        common = {"model_name": self.candidate_model.attr_model_name, "instance_type": instance_type}
        if candidate.mode == "shadow":
            shadow = variant(variant_name=SHADOW_VARIANT_NAME, initial_variant_weight=1,
                             initial_instance_count=instance_count, **common)
            return {"shadow_production_variants": Fn.condition_if(
                candidate.condition.logical_id, [_as_template(shadow)], Aws.NO_VALUE)}
        challenger = _as_template(variant(
            variant_name=CHALLENGER_VARIANT_NAME, initial_variant_weight=candidate.weight_percent,
            initial_instance_count=max(1, math.ceil(instance_count * candidate.weight_percent / 100)), **common,
        ))
        return {"challenger": Fn.condition_if(candidate.condition.logical_id, challenger, Aws.NO_VALUE),
                "served_weight": Token.as_number(
                    Fn.condition_if(candidate.condition.logical_id, 100 - candidate.weight_percent, 100))}

    def _endpoint_config(
        self,
        key_arn: str | None,
        data_capture_bucket: str | None,
        capture_percent: int,
        instance_type: str,
        instance_count: int,
        serverless: Serverless | None,
    ) -> sagemaker.CfnEndpointConfig:
        extra = self._candidate_variants(instance_type, instance_count)
        variant = sagemaker.CfnEndpointConfig.ProductionVariantProperty(
            variant_name=VARIANT_NAME,
            model_name=self.model.attr_model_name,
            initial_variant_weight=extra.pop("served_weight", 1),
            **(
                {"serverless_config": sagemaker.CfnEndpointConfig.ServerlessConfigProperty(
                    memory_size_in_mb=serverless.memory_mb, max_concurrency=serverless.max_concurrency)}
                if serverless
                else {"instance_type": instance_type, "initial_instance_count": instance_count}
            ),
        )
        if serverless:
            config = sagemaker.CfnEndpointConfig(self, "EndpointConfig", production_variants=[variant])
            # AwsSolutions-SM2 judges instance variants only; NIST's rule flags any config without a key.
            acknowledge(
                config,
                "NIST.800.53.R5::NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured",
                "A serverless variant has no ML storage volume to encrypt and SageMaker rejects a KmsKeyId "
                "for it; serverless is a staging-only cost option (config: serving.staging.serverless).",
            )
            return config
        challenger = extra.pop("challenger", None)
        return sagemaker.CfnEndpointConfig(
            self, "EndpointConfig", production_variants=[variant] if challenger is None else [variant, challenger],
            kms_key_id=key_arn, data_capture_config=data_capture_config(capture_percent, data_capture_bucket, key_arn),
            **extra,
        )

    def _autoscale(self, endpoint_name: str, settings: Autoscaling) -> None:
        # L1 on purpose: the L2 ScalableTarget creates an IAM role, which the Endpoint stack's
        # CloudFormation role may not; Application Auto Scaling uses its service-linked role.
        target = autoscaling.CfnScalableTarget(
            self,
            "ScalableTarget",
            service_namespace="sagemaker",
            scalable_dimension="sagemaker:variant:DesiredInstanceCount",
            resource_id=f"endpoint/{endpoint_name}/variant/{VARIANT_NAME}",
            min_capacity=settings.min_instances,
            max_capacity=settings.max_instances,
        )
        target.add_resource_dependency(self.endpoint)
        policy = autoscaling.CfnScalingPolicy
        policy(
            self,
            "InvocationsPerInstance",
            policy_name=f"{endpoint_name}-invocations-per-instance",
            policy_type="TargetTrackingScaling",
            scaling_target_id=target.ref,
            target_tracking_scaling_policy_configuration=policy.TargetTrackingScalingPolicyConfigurationProperty(
                target_value=settings.target_invocations_per_instance,
                predefined_metric_specification=policy.PredefinedMetricSpecificationProperty(
                    predefined_metric_type="SageMakerVariantInvocationsPerInstance"
                ),
                scale_in_cooldown=SCALE_IN_COOLDOWN_SECONDS,
                scale_out_cooldown=SCALE_OUT_COOLDOWN_SECONDS,
            ),
        )


def _blue_green(canary: Canary | None) -> sagemaker.CfnEndpoint.BlueGreenUpdatePolicyProperty:
    if canary is None:
        return sagemaker.CfnEndpoint.BlueGreenUpdatePolicyProperty(
            traffic_routing_configuration=sagemaker.CfnEndpoint.TrafficRoutingConfigProperty(
                type="ALL_AT_ONCE", wait_interval_in_seconds=0
            ),
            termination_wait_in_seconds=0,
            maximum_execution_timeout_in_seconds=PROVISIONING_ALLOWANCE_SECONDS,
        )
    bake_seconds = canary.bake_minutes * 60
    return sagemaker.CfnEndpoint.BlueGreenUpdatePolicyProperty(
        traffic_routing_configuration=sagemaker.CfnEndpoint.TrafficRoutingConfigProperty(
            type="CANARY",
            canary_size=sagemaker.CfnEndpoint.CapacitySizeProperty(type="CAPACITY_PERCENT", value=canary.percent),
            wait_interval_in_seconds=bake_seconds,
        ),
        termination_wait_in_seconds=bake_seconds,
        maximum_execution_timeout_in_seconds=2 * bake_seconds + PROVISIONING_ALLOWANCE_SECONDS,
    )


def _as_template(struct: object) -> object:
    """A property struct as CloudFormation spells it (PascalCase keys): inside Fn::If, CDK does not
    convert a struct's keys, and CloudFormation would receive them camelCase."""
    values = getattr(struct, "_values", None)
    if values is None:
        return struct
    return {"".join(part.capitalize() for part in key.split("_")): _as_template(value) for key, value in values.items()}


def served_model(
    scope: Construct, construct_id: str, package_arn: str, role_arn: str, subnet_ids: list[str] | None,
    security_group_id: str | None,
) -> sagemaker.CfnModel:
    """The model serving ``package_arn`` as ``role_arn``: in the subnets and security group given,
    network-isolated; with neither (serverless), outside the VPC."""
    # Serverless inference supports neither VPC configuration nor network isolation (AWS's
    # feature exclusions): such a model gets no subnets, and SageMaker refuses the flag.
    in_vpc = subnet_ids is not None and security_group_id is not None
    return sagemaker.CfnModel(
        scope,
        construct_id,
        execution_role_arn=role_arn,
        containers=[sagemaker.CfnModel.ContainerDefinitionProperty(model_package_name=package_arn)],
        vpc_config=(
            sagemaker.CfnModel.VpcConfigProperty(security_group_ids=[security_group_id], subnets=subnet_ids)
            if in_vpc else None
        ),
        enable_network_isolation=True if in_vpc else None,
    )


def rollback_alarms(
    scope: Construct, endpoint_name: str, thresholds: RollbackThresholds, names: tuple[str, str]
) -> list[cloudwatch.CfnAlarm]:
    """The two rollback alarms of ``endpoint_name``'s variant, in ``scope``, named ``names`` (5xx, latency)."""
    invocations, _, errors_5xx, latency = endpoint_metrics(endpoint_name, VARIANT_NAME, ROLLBACK_PERIOD_SECONDS)
    alarms = [
        cloudwatch.CfnAlarm(
            in_place_of_l2(scope, construct_id),
            RESOURCE,
            alarm_name=name,
            alarm_description=description,
            threshold=threshold,
            comparison_operator="GreaterThanThreshold",
            evaluation_periods=ROLLBACK_PERIODS_TO_ALARM,
            datapoints_to_alarm=ROLLBACK_PERIODS_TO_ALARM,
            treat_missing_data="notBreaching",
            **alarm_metric_properties(alarm_metric),
        )
        for construct_id, name, alarm_metric, threshold, description in (
            ("Rollback5xx", names[0], five_xx_share(invocations, errors_5xx, ROLLBACK_PERIOD_SECONDS),
             thresholds.max_5xx_percent,
             f"More than {thresholds.max_5xx_percent}% 5xx answers: a deployment in progress rolls back."),
            # ModelLatency is reported in microseconds.
            ("RollbackLatency", names[1], latency, thresholds.max_p99_latency_ms * 1000,
             f"p99 model latency above {thresholds.max_p99_latency_ms} ms: a deployment in progress rolls back."),
        )
    ]
    # Once, on this construct, for both alarms: each acknowledgement costs calls across the jsii bridge.
    acknowledge(
        scope,
        "NIST.800.53.R5::NIST.800.53.R5-CloudWatchAlarmAction",
        "SageMaker's deployment guardrail watches the rollback alarms and rolls the endpoint back; people are "
        "notified by the Monitoring stack's endpoint alarms, forwarded to dev.",
    )
    return alarms


def data_capture_config(
    capture_percent: int, data_capture_bucket: str | None, key_arn: str | None
) -> sagemaker.CfnEndpointConfig.DataCaptureConfigProperty | None:
    """Capture of ``capture_percent`` of requests and responses (none at 0) below ``DATA_CAPTURE_PREFIX``."""
    if capture_percent == 0:
        return None
    return sagemaker.CfnEndpointConfig.DataCaptureConfigProperty(
        enable_capture=True,
        initial_sampling_percentage=capture_percent,
        destination_s3_uri=f"s3://{data_capture_bucket}/{DATA_CAPTURE_PREFIX}",
        kms_key_id=key_arn,
        capture_options=[
            sagemaker.CfnEndpointConfig.CaptureOptionProperty(capture_mode=mode) for mode in ("Input", "Output")
        ],
        capture_content_type_header=sagemaker.CfnEndpointConfig.CaptureContentTypeHeaderProperty(
            csv_content_types=CSV_CONTENT_TYPES
        ),
    )
