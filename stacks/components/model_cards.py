"""ModelCards (dev): every registered version of the platform's models gets a SageMaker model card.

Creates:

- the function (``PlatformFunction`` of ``lambdas/model_card``, one for every model) with
  ``MODEL_CARD_SETTINGS``: the naming rules of the registry groups (``groups``) and of each
  model's intended-use SSM parameter (``intended_use``, written by its ``ModelStack``), the card
  suffix, the artifact bucket its reports are read from and its cards exported to
  (``MODEL_CARD_EXPORT_PREFIX``), and the platform's tags for the cards. It runs one event at a
  time (reserved concurrency 1), so two changes of one version never race to create its card;
- an EventBridge rule on dev's default bus: every ``SageMaker Model Package State Change`` of
  the groups ``groups`` names (by name prefix), whatever the status, delivered with retries;
  what cannot be delivered, or fails in the function, lands in its dead-letter queue;
- alarms on that queue holding a message and on function errors, notifying ``topic``.

The function may describe the platform's versions; describe, create, update, tag and export
only cards named ``<platform>-*-card``; read only the build's ``evaluation.json``,
``bias.json`` and ``preprocess_report.json`` and write only under the export prefix of the
artifact bucket, with ``artifact_key``; read only the models' intended-use parameters. The
export job takes no role: SageMaker writes the PDF with the caller's permissions.

Exposes ``function``, ``rule`` and ``alarms``.
"""

import json

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from platform_config.naming import ANY_MODEL, MODEL_CARD_EXPORT_PREFIX, MODEL_CARD_SUFFIX, MODEL_PLACEHOLDER
from stacks.components.approval_trigger import DETAIL_TYPE, MAX_EVENT_AGE, RETRY_ATTEMPTS, SOURCE
from stacks.components.event_dead_letters import function_errors_alarm, queue_not_empty_alarm
from stacks.components.nag import acknowledge, as_nag_renders
from stacks.components.platform_function import PlatformFunction

# The build writes these reports under the run's prefixes (pipelines_src.model_build: the Evaluate and
# Fairness steps' outputs, Preprocess's metadata); the card reads nothing else of the bucket.
REPORT_OBJECTS = (
    "pipelines/*/Evaluate/evaluation.json",
    "pipelines/*/Fairness/bias.json",
    "models/*/metadata/preprocess_report.json",
)


class ModelCards(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        groups: str,
        intended_use: str,
        artifact_bucket_name: str,
        artifact_key: kms.IKey,
        tags: dict[str, str],
        key: kms.IKey,
        topic: sns.ITopic,
        removal_policy: RemovalPolicy,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        for name, rule in (("groups", groups), ("intended_use", intended_use)):
            if rule.count(MODEL_PLACEHOLDER) != 1:
                raise ValueError(f"{name}: {rule!r} must name the model exactly once, as {MODEL_PLACEHOLDER}")
        stack = Stack.of(self)
        group_prefix = groups.split(MODEL_PLACEHOLDER)[0]
        settings = {
            "groups": groups,
            "intended_use": intended_use,
            "card_suffix": MODEL_CARD_SUFFIX,
            "reports_bucket": artifact_bucket_name,
            "export_prefix": MODEL_CARD_EXPORT_PREFIX,
            "tags": tags,
        }
        platform_function = PlatformFunction(
            self,
            "Function",
            handler_folder="model_card",
            description="Writes each registered model version's model card and follows its approval",
            log_key=key,
            log_retention=log_retention,
            removal_policy=removal_policy,
            environment={"MODEL_CARD_SETTINGS": json.dumps(settings, sort_keys=True)},
            timeout=Duration.seconds(60),
            reserved_concurrency=1,
            shared_modules=("approval_event",),
        )
        self.function = platform_function.function
        self._grant(stack, group_prefix, intended_use, artifact_bucket_name, artifact_key)
        self.rule = events.Rule(
            self,
            "Rule",
            description="Every registration and decision on the platform's model versions updates their model cards",
            event_pattern=events.EventPattern(
                source=[SOURCE],
                detail_type=[DETAIL_TYPE],
                detail={"ModelPackageGroupName": [{"prefix": group_prefix}]},
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
        self.alarms = [
            queue_not_empty_alarm(
                self,
                "DeadLetters",
                queue=platform_function.dead_letter_queue,
                description="A model version's card could not be written or updated: redrive the dead-letter "
                "queue after fixing the cause.",
            ),
            function_errors_alarm(
                self, "Errors", function=self.function,
                description="The model card function failed; the event is retried, then dead-lettered.",
            ),
        ]
        for alarm in self.alarms:
            alarm.add_alarm_action(cloudwatch_actions.SnsAction(topic))

    def _grant(
        self, stack: Stack, group_prefix: str, intended_use: str, bucket_name: str, artifact_key: kms.IKey
    ) -> None:
        bucket = s3.Bucket.from_bucket_name(self, "ArtifactBucket", bucket_name)
        versions = stack.format_arn(service="sagemaker", resource="model-package", resource_name=f"{group_prefix}{ANY_MODEL}/*")
        cards = stack.format_arn(
            service="sagemaker", resource="model-card", resource_name=f"{group_prefix}{ANY_MODEL}{MODEL_CARD_SUFFIX}"
        )
        parameters = stack.format_arn(
            service="ssm", resource="parameter", resource_name=intended_use.replace(MODEL_PLACEHOLDER, ANY_MODEL).lstrip("/")
        )
        reports = [bucket.arn_for_objects(pattern) for pattern in REPORT_OBJECTS]
        exports = bucket.arn_for_objects(f"{MODEL_CARD_EXPORT_PREFIX}*")
        for actions, resources in (
            (["sagemaker:DescribeModelPackage"], [versions]),
            (
                ["sagemaker:DescribeModelCard", "sagemaker:CreateModelCard", "sagemaker:UpdateModelCard",
                 "sagemaker:CreateModelCardExportJob", "sagemaker:AddTags"],
                [cards],
            ),
            (["s3:GetObject"], reports),
            (["s3:PutObject"], [exports]),
            (["kms:Decrypt", "kms:GenerateDataKey"], [artifact_key.key_arn]),
            (["ssm:GetParameter"], [parameters]),
        ):
            self.function.add_to_role_policy(iam.PolicyStatement(actions=actions, resources=resources))
        for resource, reason in (
            (versions, "The function describes the version an event names, of any of the platform's groups (by name "
             "prefix): every model's group lives in its own stack."),
            (cards, "Cards are named <group>-<version>-card at run time; the function writes only cards of that "
             "pattern."),
            (parameters, "Each model's stack writes its intended-use parameter; the function reads the one its "
             "naming rule derives from the event's group."),
            *((report, "The build writes each run's reports under a run-specific prefix; the function reads only "
               "these report files.") for report in reports),
            (exports, "Each card's PDF exports land under the fixed export prefix, one folder per card."),
        ):
            acknowledge(self.function, f"AwsSolutions-IAM5[Resource::{as_nag_renders(self, resource)}]", reason)
