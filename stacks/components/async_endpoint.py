"""AsyncEndpoint: a model version from dev's registry served asynchronously, scaling to zero when idle.

Clients put a request body (the endpoint's raw-record contract, CSV or JSON) in S3 and call
``InvokeEndpointAsync`` with its location; SageMaker queues the request, writes the answer to S3
and announces it on SNS. Creates:

- the same ``AWS::SageMaker::Model`` as ``RealtimeEndpoint`` (the package, ``execution_role_arn``,
  the subnets and security group, network-isolated);
- an endpoint config with one instance variant ``VARIANT_NAME`` (``instance_type``, one instance
  at creation), its volumes encrypted with ``key_arn``, capturing ``capture_percent`` of requests
  and responses like a realtime endpoint (the drift job reads them the same way), and an
  ``AsyncInferenceConfig``: answers below ``async-output/<endpoint>/`` and failures below
  ``async-failure/<endpoint>/`` of ``data_capture_bucket``, encrypted with ``key_arn``; at most
  ``max_concurrent_invocations_per_instance`` requests per instance;
- two SNS topics, ``success`` and ``error`` (``topic_names``), encrypted with ``key_arn``, that
  accept only TLS publishing; the model execution role publishes to them;
- the endpoint, named ``endpoint_name``, updated blue/green all at once (canary traffic shifting
  needs capacity to split: an async fleet may be at zero), keeping the old fleet ``bake_minutes``
  while the rollback alarms (``rollback_alarms``, named ``rollback_alarm_names``) are watched;
- autoscaling from 0 to ``max_instances``: target tracking keeps
  ``ApproximateBacklogSizePerInstance`` at ``target_backlog_per_instance``, and a step-scaling
  policy adds an instance when the alarm ``backlog_alarm_name`` sees
  ``HasBacklogWithoutCapacity`` (requests queued while no instance runs, which target tracking
  cannot see: a backlog per instance at zero instances is undefined).

Clients need ``s3:PutObject`` below ``ASYNC_INPUT_PREFIX`` of the bucket, the serving key, and
``sagemaker:InvokeEndpointAsync``; the model execution role reads that prefix (ServingFoundation).
Exposes ``model``, ``endpoint_config``, ``endpoint``, ``rollback_alarms``, ``success_topic`` and
``error_topic``.
"""

from dataclasses import dataclass

from aws_cdk import aws_applicationautoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks.components.realtime_endpoint import (
    PROVISIONING_ALLOWANCE_SECONDS,
    SCALE_IN_COOLDOWN_SECONDS,
    SCALE_OUT_COOLDOWN_SECONDS,
    VARIANT_NAME,
    RollbackThresholds,
    data_capture_config,
    rollback_alarms,
    served_model,
)

ASYNC_INPUT_PREFIX = "async-input"
ASYNC_OUTPUT_PREFIX = "async-output"
ASYNC_FAILURE_PREFIX = "async-failure"
SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
# Minutes of HasBacklogWithoutCapacity before the first instance starts: one, so a request waits
# for an instance to start, not for an alarm to make up its mind.
BACKLOG_ALARM_PERIOD_SECONDS = 60


@dataclass(frozen=True)
class AsyncScaling:
    max_instances: int
    max_concurrent_invocations_per_instance: int
    target_backlog_per_instance: int


class AsyncEndpoint(Construct):
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
        key_arn: str,
        data_capture_bucket: str,
        capture_percent: int,
        instance_type: str,
        scaling: AsyncScaling,
        bake_minutes: int,
        rollback: RollbackThresholds,
        rollback_alarm_names: tuple[str, str],
        topic_names: tuple[str, str],
        backlog_alarm_name: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.model = served_model(self, "Model", model_package_arn, execution_role_arn, subnet_ids, security_group_id)
        key = kms.Key.from_key_arn(self, "ServingKey", key_arn)
        self.success_topic, self.error_topic = (
            sns.Topic(self, construct_id_, topic_name=name, display_name=display, master_key=key, enforce_ssl=True)
            for construct_id_, name, display in (
                ("SuccessTopic", topic_names[0], f"Async answers of {endpoint_name}"),
                ("ErrorTopic", topic_names[1], f"Async failures of {endpoint_name}"),
            )
        )
        destination = f"s3://{data_capture_bucket}"
        self.endpoint_config = sagemaker.CfnEndpointConfig(
            self,
            "EndpointConfig",
            production_variants=[
                sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                    variant_name=VARIANT_NAME,
                    model_name=self.model.attr_model_name,
                    initial_variant_weight=1,
                    instance_type=instance_type,
                    # SageMaker creates an endpoint with at least one instance; autoscaling takes it to zero.
                    initial_instance_count=1,
                )
            ],
            kms_key_id=key_arn,
            data_capture_config=data_capture_config(capture_percent, data_capture_bucket, key_arn),
            async_inference_config=sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty(
                client_config=sagemaker.CfnEndpointConfig.AsyncInferenceClientConfigProperty(
                    max_concurrent_invocations_per_instance=scaling.max_concurrent_invocations_per_instance
                ),
                output_config=sagemaker.CfnEndpointConfig.AsyncInferenceOutputConfigProperty(
                    s3_output_path=f"{destination}/{ASYNC_OUTPUT_PREFIX}/{endpoint_name}/",
                    s3_failure_path=f"{destination}/{ASYNC_FAILURE_PREFIX}/{endpoint_name}/",
                    kms_key_id=key_arn,
                    notification_config=sagemaker.CfnEndpointConfig.AsyncInferenceNotificationConfigProperty(
                        success_topic=self.success_topic.topic_arn, error_topic=self.error_topic.topic_arn
                    ),
                ),
            ),
        )
        self.rollback_alarms = rollback_alarms(self, endpoint_name, rollback, rollback_alarm_names)
        bake_seconds = bake_minutes * 60
        self.endpoint = sagemaker.CfnEndpoint(
            self,
            "Endpoint",
            endpoint_name=endpoint_name,
            endpoint_config_name=self.endpoint_config.attr_endpoint_config_name,
            deployment_config=sagemaker.CfnEndpoint.DeploymentConfigProperty(
                blue_green_update_policy=sagemaker.CfnEndpoint.BlueGreenUpdatePolicyProperty(
                    traffic_routing_configuration=sagemaker.CfnEndpoint.TrafficRoutingConfigProperty(
                        type="ALL_AT_ONCE", wait_interval_in_seconds=0
                    ),
                    termination_wait_in_seconds=bake_seconds,
                    maximum_execution_timeout_in_seconds=bake_seconds + PROVISIONING_ALLOWANCE_SECONDS,
                ),
                auto_rollback_configuration=sagemaker.CfnEndpoint.AutoRollbackConfigProperty(
                    alarms=[sagemaker.CfnEndpoint.AlarmProperty(alarm_name=alarm.ref) for alarm in self.rollback_alarms]
                ),
            ),
        )
        self._autoscale(endpoint_name, scaling, backlog_alarm_name)

    def _autoscale(self, endpoint_name: str, scaling: AsyncScaling, backlog_alarm_name: str) -> None:
        # L1, as RealtimeEndpoint's: the L2 ScalableTarget would create a role the CloudFormation role may not.
        target = autoscaling.CfnScalableTarget(
            self,
            "ScalableTarget",
            service_namespace="sagemaker",
            scalable_dimension=SCALABLE_DIMENSION,
            resource_id=f"endpoint/{endpoint_name}/variant/{VARIANT_NAME}",
            min_capacity=0,
            max_capacity=scaling.max_instances,
        )
        target.add_resource_dependency(self.endpoint)
        policy = autoscaling.CfnScalingPolicy
        dimensions = [policy.MetricDimensionProperty(name="EndpointName", value=endpoint_name)]
        policy(
            self,
            "BacklogPerInstance",
            policy_name=f"{endpoint_name}-backlog-per-instance",
            policy_type="TargetTrackingScaling",
            scaling_target_id=target.ref,
            target_tracking_scaling_policy_configuration=policy.TargetTrackingScalingPolicyConfigurationProperty(
                target_value=scaling.target_backlog_per_instance,
                customized_metric_specification=policy.CustomizedMetricSpecificationProperty(
                    namespace="AWS/SageMaker",
                    metric_name="ApproximateBacklogSizePerInstance",
                    dimensions=dimensions,
                    statistic="Average",
                ),
                scale_in_cooldown=SCALE_IN_COOLDOWN_SECONDS,
                scale_out_cooldown=SCALE_OUT_COOLDOWN_SECONDS,
            ),
        )
        from_zero = policy(
            self,
            "ScaleOutFromZero",
            policy_name=f"{endpoint_name}-scale-out-from-zero",
            policy_type="StepScaling",
            scaling_target_id=target.ref,
            step_scaling_policy_configuration=policy.StepScalingPolicyConfigurationProperty(
                adjustment_type="ChangeInCapacity",
                metric_aggregation_type="Average",
                cooldown=SCALE_OUT_COOLDOWN_SECONDS,
                step_adjustments=[policy.StepAdjustmentProperty(metric_interval_lower_bound=0, scaling_adjustment=1)],
            ),
        )
        cloudwatch.CfnAlarm(
            self,
            "BacklogWithoutCapacity",
            alarm_name=backlog_alarm_name,
            alarm_description=f"Requests queued while {endpoint_name} runs no instance: start one.",
            namespace="AWS/SageMaker",
            metric_name="HasBacklogWithoutCapacity",
            dimensions=[cloudwatch.CfnAlarm.DimensionProperty(name="EndpointName", value=endpoint_name)],
            statistic="Average",
            period=BACKLOG_ALARM_PERIOD_SECONDS,
            evaluation_periods=1,
            threshold=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data="missing",
            alarm_actions=[from_zero.ref],
        )
