"""BatchScoring (prod): a scheduled batch transform on the version the model's prod endpoint serves.

Creates:

- the function ``lambdas/batch_scoring`` (``PlatformFunction``; its contract is in its handler),
  configured by ``BATCH_SCORING``: ``endpoint_name``, transform jobs named
  ``<job_name_prefix>-<yyyymmddHHMM>``, inputs below ``batch.input_prefix`` and outputs below
  ``batch-output/<model>/`` of the account's data-capture bucket, the serving key, the window
  between two ticks (``window_hours``), the model's ``batch`` content type and instances, ``tags``;
- its role's grants: describe the endpoint, its configs and models; create, describe and tag
  transform jobs of its own prefix only; no ``iam:PassRole`` (a transform job runs as its model's
  execution role, ``mlops-model-execution``, which reads ``batch-input/`` and the job's
  ``inputs.manifest``); list and read its input and output prefixes, write its output prefix
  and ``batch_capture_prefix(endpoint_name)`` (the drift job's second source), with the serving key;
- an EventBridge Scheduler schedule (``batch.schedule``, UTC) invoking the function with
  ``{"scheduled_time": <the tick>}``, through a role that may invoke this function only;
- an EventBridge rule sending the state changes of its transform jobs (completed, failed,
  stopped) to the function, retried, then dead-lettered;
- the alarm ``alarm_name`` on the function's dead-letter queue (failed ticks and completions
  land there after Lambda's retries), which the account's alarm forwarding sends to dev.

Exposes ``function``, ``schedule``, ``rule``, ``alarm`` and ``alarm_name``.
"""

import json
from collections.abc import Mapping

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from platform_config.models import BatchScoring as BatchConfig
from stacks.components.event_dead_letters import MAX_EVENT_AGE, RETRY_ATTEMPTS, queue_not_empty_alarm
from stacks.components.monitoring_settings import MonitoringSettings
from stacks.components.nag import acknowledge, acknowledge_all
from stacks.components.platform_function import PlatformFunction

SOURCE = "aws.sagemaker"
DETAIL_TYPE = "SageMaker Transform Job State Change"
FINAL_STATUSES = ["Completed", "Failed", "Stopped"]
OUTPUT_ROOT = "batch-output"
CAPTURE_ROOT = "batch-capture"
# Hashing a day's input files streams them through the function.
TIMEOUT = Duration.minutes(15)
MEMORY_MB = 512
RESERVED_CONCURRENCY = 2


def batch_capture_prefix(endpoint_name: str) -> str:
    """Where an endpoint's batch jobs' rows and scores are written in the data-capture format."""
    return f"{CAPTURE_ROOT}/{endpoint_name}/"


class BatchScoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        model_name: str,
        batch: BatchConfig,
        endpoint_name: str,
        job_name_prefix: str,
        window_hours: int,
        account_id: str,
        region: str,
        settings: MonitoringSettings,
        alarm_name: str,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
        tags: Mapping[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        if batch.input_prefix is None:
            raise ValueError(f"{model_name}: batch scoring needs batch.input_prefix")
        bucket = settings.data_capture_bucket
        output_prefix = f"{OUTPUT_ROOT}/{model_name}/"
        capture_prefix = batch_capture_prefix(endpoint_name)
        key = kms.Key.from_key_arn(self, "ServingKey", settings.key_arn)
        platform_function = PlatformFunction(
            self,
            "Function",
            handler_folder="batch_scoring",
            description=f"Batch scoring of {model_name}: starts the scheduled transform job, writes its manifest",
            log_key=key,
            log_retention=log_retention,
            removal_policy=removal_policy,
            environment={
                "BATCH_SCORING": json.dumps(
                    {
                        "endpoint_name": endpoint_name,
                        "job_name_prefix": job_name_prefix,
                        "bucket": bucket.name,
                        "key_arn": settings.key_arn,
                        "input_prefix": batch.input_prefix,
                        "output_prefix": output_prefix,
                        "capture_prefix": capture_prefix,
                        "window_hours": window_hours,
                        "content_type": batch.content_type,
                        "instance_type": batch.instance_type,
                        "instance_count": batch.instance_count,
                        "tags": dict(tags),
                    },
                    sort_keys=True,
                ),
            },
            timeout=TIMEOUT,
            memory_size=MEMORY_MB,
            reserved_concurrency=RESERVED_CONCURRENCY,
            outside_vpc_reason=(
                "The function calls the SageMaker API and reads and writes its own prefixes of the serving "
                "bucket over TLS, bounded by its role and the bucket's policy; this stack knows the workload "
                "subnets only as SSM parameters, and network interfaces there would bound nothing more."
            ),
        )
        self.function = platform_function.function
        wildcards = self._grant(
            job_name_prefix=job_name_prefix,
            endpoint_name=endpoint_name,
            account_id=account_id,
            region=region,
            settings=settings,
            prefixes=(batch.input_prefix, output_prefix),
            writes=(output_prefix, capture_prefix),
        )
        acknowledge_all(self.function, {f"AwsSolutions-IAM5[{finding}]": why for finding, why in wildcards.items()})
        self.schedule = self._schedule(batch, model_name, account_id)
        self.rule = events.Rule(
            self,
            "JobStateChanges",
            description=f"Final states of {model_name}'s batch transform jobs: the completed ones get their manifest",
            event_pattern=events.EventPattern(
                source=[SOURCE],
                detail_type=[DETAIL_TYPE],
                detail={
                    "TransformJobName": [{"prefix": f"{job_name_prefix}-"}],
                    "TransformJobStatus": FINAL_STATUSES,
                },
            ),
            targets=[
                targets.LambdaFunction(
                    self.function,
                    dead_letter_queue=platform_function.dead_letter_queue,
                    retry_attempts=RETRY_ATTEMPTS,
                    max_event_age=MAX_EVENT_AGE,
                )
            ],
        )
        self.alarm = queue_not_empty_alarm(
            self,
            "DeadLetters",
            queue=platform_function.dead_letter_queue,
            description=f"A batch scoring tick or completion of {model_name} failed after retries: read the "
            "function's logs and the dead letter, fix the cause, then redrive it (a tick is idempotent).",
        )
        self.alarm_name = alarm_name
        self.alarm.node.default_child.add_property_override("AlarmName", alarm_name)
        acknowledge(
            self.alarm,
            "NIST.800.53.R5::NIST.800.53.R5-CloudWatchAlarmAction",
            "Named like the model's monitoring alarms, it is forwarded to dev by the account's Monitoring stack, "
            "which notifies the approvers.",
        )

    def _grant(
        self,
        *,
        job_name_prefix: str,
        endpoint_name: str,
        account_id: str,
        region: str,
        settings: MonitoringSettings,
        prefixes: tuple[str, str],
        writes: tuple[str, str],
    ) -> dict[str, str]:
        sagemaker = f"arn:aws:sagemaker:{region}:{account_id}"
        # SageMaker lowercases names in ARNs.
        jobs = f"{sagemaker}:transform-job/{job_name_prefix.lower()}-*"
        configs, models = f"{sagemaker}:endpoint-config/*", f"{sagemaker}:model/*"
        bucket = settings.data_capture_bucket
        objects = [bucket.arn_for_objects(f"{prefix}*") for prefix in prefixes]
        outputs = [bucket.arn_for_objects(f"{prefix}*") for prefix in writes]
        for actions, resources, conditions in (
            (["sagemaker:DescribeEndpoint"], [f"{sagemaker}:endpoint/{endpoint_name.lower()}"], None),
            (["sagemaker:DescribeEndpointConfig", "sagemaker:DescribeModel"], [configs, models], None),
            (["sagemaker:CreateTransformJob", "sagemaker:DescribeTransformJob", "sagemaker:AddTags"], [jobs], None),
            (["s3:ListBucket"], [bucket.bucket_arn], {"StringLike": {"s3:prefix": [f"{p}*" for p in prefixes]}}),
            (["s3:GetObject"], objects, None),
            (["s3:PutObject"], outputs, None),
            (["kms:Decrypt", "kms:GenerateDataKey"], [settings.key_arn], None),
        ):
            self.function.add_to_role_policy(iam.PolicyStatement(actions=actions, resources=resources, conditions=conditions))
        return {
            f"Resource::{jobs}": (
                "Each tick's job is named <prefix>-<tick time>, known only when the schedule fires; the prefix "
                "holds the function to its own model's transform jobs."
            ),
            f"Resource::{configs}": (
                "Endpoint configs and models have CloudFormation-generated names and change with every deployment; "
                "the function reads the one the endpoint names, and only describes it."
            ),
            f"Resource::{models}": (
                "Models have CloudFormation-generated names and change with every deployment; the function starts "
                "jobs on the one the endpoint serves, and only describes it."
            ),
            **{
                f"Resource::{settings.nag_rendering(resource)}": (
                    "Input files arrive under the configured input prefix at any time, each job writes its "
                    "folder (inputs manifest, scores, manifest) under the model's batch-output prefix, and its "
                    "records in the capture format under batch-capture/<endpoint>/<hour>/."
                )
                for resource in dict.fromkeys([*objects, *outputs])
            },
        }

    def _schedule(self, batch: BatchConfig, model_name: str, account_id: str) -> scheduler.CfnSchedule:
        role = iam.Role(
            self,
            "SchedulerRole",
            description=f"Invokes the batch scoring function of {model_name}",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": account_id}}
            ),
        )
        # The unqualified function only: grant_invoke would add its versions and aliases too.
        role.add_to_policy(iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[self.function.function_arn]))
        return scheduler.CfnSchedule(
            self,
            "Schedule",
            description=f"Batch scoring of {model_name}",
            schedule_expression=batch.schedule,
            schedule_expression_timezone="Etc/UTC",
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            state="ENABLED",
            target=scheduler.CfnSchedule.TargetProperty(
                arn=self.function.function_arn,
                role_arn=role.role_arn,
                input=json.dumps({"scheduled_time": "<aws.scheduler.scheduled-time>"}),
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                    maximum_retry_attempts=RETRY_ATTEMPTS,
                    maximum_event_age_in_seconds=int(MAX_EVENT_AGE.to_seconds()),
                ),
            ),
        )
