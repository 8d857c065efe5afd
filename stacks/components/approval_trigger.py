"""ApprovalTrigger (dev): a registry decision on a model version reaches its promotion pipeline.

Creates:

- the idempotency table of ``lambdas/approval_trigger`` (partition key ``id``,
  on-demand, encrypted with ``key``, point-in-time recovery, items expiring by
  ``expiration``; removal policy as given): SageMaker may send the same state
  change more than once, and a package must start its pipeline once;
- the function (``PlatformFunction`` of ``lambdas/approval_trigger``) with
  ``PROMOTION_NAMING`` (``groups`` and ``pipelines``: the naming rules of a model's
  registry group and promotion pipeline, ``{model}`` standing for the model's name) and
  ``IDEMPOTENCY_TABLE``; it may start the pipelines ``pipelines`` names (any model);
- an EventBridge rule on dev's default bus: ``SageMaker Model Package State
  Change`` events of the groups ``groups`` names (by name prefix) whose status is ``Approved`` (started) or
  ``Rejected`` (only recorded by the function), delivered with retries; what
  cannot be delivered, or fails in the function, lands in the function's
  dead-letter queue;
- alarms on that queue holding a message and on function errors, notifying ``topic``.

Exposes ``table``, ``function``, ``rule`` and ``alarms``.
"""

import json

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks.components.event_dead_letters import function_errors_alarm, queue_not_empty_alarm
from stacks.components.nag import acknowledge, as_nag_renders
from stacks.components.platform_function import PlatformFunction
from platform_config.naming import MODEL_PLACEHOLDER

SOURCE = "aws.sagemaker"
DETAIL_TYPE = "SageMaker Model Package State Change"
# Approved starts a promotion; Rejected is delivered so the decision is logged, never deployed.
STATUSES = ["Approved", "Rejected"]
# Powertools' idempotency layer: record key attribute and TTL attribute.
IDEMPOTENCY_KEY = "id"
IDEMPOTENCY_TTL = "expiration"
RETRY_ATTEMPTS = 8
MAX_EVENT_AGE = Duration.hours(6)
# One approval at a time is the normal load; a few more absorb bursts of duplicates.
RESERVED_CONCURRENCY = 2


class ApprovalTrigger(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        groups: str,
        pipelines: str,
        key: kms.IKey,
        topic: sns.ITopic,
        removal_policy: RemovalPolicy,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        for name, rule in (("groups", groups), ("pipelines", pipelines)):
            if rule.count(MODEL_PLACEHOLDER) != 1:
                raise ValueError(f"{name}: {rule!r} must name the model exactly once, as {MODEL_PLACEHOLDER}")
        stack = Stack.of(self)
        self.table = dynamodb.Table(
            self,
            "IdempotencyTable",
            partition_key=dynamodb.Attribute(name=IDEMPOTENCY_KEY, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=IDEMPOTENCY_TTL,
            removal_policy=removal_policy,
        )
        acknowledge(
            self.table,
            "NIST.800.53.R5::NIST.800.53.R5-DynamoDBInBackupPlan",
            "The table only remembers which approval events were handled, for the idempotency window; losing it "
            "lets a duplicate event start a second promotion of the same package, which the pipeline's queued "
            "execution mode and the manual prod approval contain. Point-in-time recovery covers mistakes.",
        )
        platform_function = PlatformFunction(
            self,
            "Function",
            handler_folder="approval_trigger",
            description="Starts a model's promotion pipeline when a version is approved in the registry",
            log_key=key,
            log_retention=log_retention,
            removal_policy=removal_policy,
            environment={
                "PROMOTION_NAMING": json.dumps({"groups": groups, "pipelines": pipelines}, sort_keys=True),
                "IDEMPOTENCY_TABLE": self.table.table_name,
            },
            reserved_concurrency=RESERVED_CONCURRENCY,
            shared_modules=("approval_event",),
        )
        self.function = platform_function.function
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                resources=[self.table.table_arn],
            )
        )
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                resources=[key.key_arn],
            )
        )
        any_pipeline = stack.format_arn(service="codepipeline", resource=pipelines.replace(MODEL_PLACEHOLDER, "*"))
        self.function.add_to_role_policy(
            iam.PolicyStatement(actions=["codepipeline:StartPipelineExecution"], resources=[any_pipeline])
        )
        acknowledge(
            self.function,
            f"AwsSolutions-IAM5[Resource::{as_nag_renders(self, any_pipeline)}]",
            "Every model's promotion pipeline follows this naming rule and lives in the model's own stack; "
            "the function starts only the one its naming rule derives from the approved version's group.",
        )
        self.rule = events.Rule(
            self,
            "Rule",
            description="Approval decisions on the platform's model versions start (or are recorded by) promotion",
            event_pattern=events.EventPattern(
                source=[SOURCE],
                detail_type=[DETAIL_TYPE],
                detail={
                    "ModelPackageGroupName": [{"prefix": groups.split(MODEL_PLACEHOLDER)[0]}],
                    "ModelApprovalStatus": STATUSES,
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
        self.alarms = [
            queue_not_empty_alarm(
                self,
                "DeadLetters",
                queue=platform_function.dead_letter_queue,
                description="An approval event could not be handled: promote the version by hand or "
                "redrive the dead-letter queue after fixing the cause.",
            ),
            function_errors_alarm(
                self, "Errors", function=self.function,
                description="The approval trigger failed; the event is retried, then dead-lettered.",
            ),
        ]
        for alarm in self.alarms:
            alarm.add_alarm_action(cloudwatch_actions.SnsAction(topic))
