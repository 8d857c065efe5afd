"""RetrainTrigger (dev): a drift alarm from prod starts the model's build pipeline, at most once per window.

Creates:

- a DynamoDB table, the rate limiter and event memory of ``lambdas/retrain_trigger``
  (partition key ``pk``, on-demand, encrypted with ``key``, point-in-time
  recovery, expiring items by ``expires_at``; removal policy as given);
- the function (``PlatformFunction`` of ``lambdas/retrain_trigger``), which may
  write that table's items, read the SSM parameters ``settings["model_settings"]``
  names and start the pipelines ``settings["pipelines"]`` names (``{model}`` as ``*``);
- an EventBridge rule on dev's default bus sending it the alarms named by
  ``settings["alarms"]`` (wildcard patterns) that enter ALARM in ``settings``' accounts, with the retry policy
  and dead-letter queue of ``dead_letters`` (``EventDeadLetters``).

``settings`` is the function's ``RETRAIN_SETTINGS`` (see
``lambdas/retrain_trigger/retrain.py``). Exposes ``table``, ``function`` and ``rule``.
"""

import json
from typing import Any

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.components.event_dead_letters import EventDeadLetters
from stacks.components.event_forwarding import ALARM_DETAIL_TYPE, ALARM_SOURCE
from stacks.components.nag import acknowledge, as_nag_renders
from stacks.components.platform_function import PlatformFunction
from platform_config.naming import MODEL_PLACEHOLDER

# Concurrent deliveries are safe (conditional writes decide), so a few suffice.
RESERVED_CONCURRENCY = 2


class RetrainTrigger(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: dict[str, Any],
        key: kms.IKey,
        removal_policy: RemovalPolicy,
        log_retention: logs.RetentionDays,
        dead_letters: EventDeadLetters,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute="expires_at",
            removal_policy=removal_policy,
        )
        acknowledge(
            self.table,
            "NIST.800.53.R5::NIST.800.53.R5-DynamoDBInBackupPlan",
            "The table only remembers when each model last started retraining and which events were handled; "
            "losing it allows at most one extra retraining per model. Point-in-time recovery covers mistakes.",
        )
        self.function = PlatformFunction(
            self,
            "Function",
            handler_folder="retrain_trigger",
            description="Starts a model's build pipeline on a prod drift alarm, at most once per window",
            log_key=key,
            log_retention=log_retention,
            removal_policy=removal_policy,
            environment={"TABLE_NAME": self.table.table_name, "RETRAIN_SETTINGS": json.dumps(settings, sort_keys=True)},
            reserved_concurrency=RESERVED_CONCURRENCY,
        ).function
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                resources=[self.table.table_arn],
            )
        )
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                resources=[key.key_arn],
            )
        )
        any_pipeline = stack.format_arn(
            service="sagemaker", resource="pipeline", resource_name=_any_model(settings["pipelines"]).lower()
        )
        any_parameter = stack.format_arn(
            service="ssm", resource="parameter", resource_name=_any_model(settings["model_settings"]).lstrip("/")
        )
        self.function.add_to_role_policy(
            iam.PolicyStatement(actions=["sagemaker:StartPipelineExecution"], resources=[any_pipeline])
        )
        self.function.add_to_role_policy(iam.PolicyStatement(actions=["ssm:GetParameter"], resources=[any_parameter]))
        for resource, reason in (
            (any_pipeline, "Every model's build pipeline follows this naming rule and lives in the model's own "
             "stack; the function starts only the one its naming rule derives from the alarm's name."),
            (any_parameter, "Each model's stack writes its retraining settings under this naming rule; the "
             "function reads only the alarm's model's parameter."),
        ):
            acknowledge(self.function, f"AwsSolutions-IAM5[Resource::{as_nag_renders(self, resource)}]", reason)
        self.rule = events.Rule(
            self,
            "Rule",
            description="Drift alarms from prod start retraining",
            event_pattern=events.EventPattern(
                source=[ALARM_SOURCE],
                detail_type=[ALARM_DETAIL_TYPE],
                account=sorted(settings["accounts"]),
                detail={
                    "alarmName": [{"wildcard": _any_model(rule)} for rule in settings["alarms"]],
                    "state": {"value": ["ALARM"]},
                },
            ),
            targets=[targets.LambdaFunction(self.function, **dead_letters.target_options)],
        )


def _any_model(rule: str) -> str:
    """A naming rule as a pattern matching every model's name (IAM and EventBridge wildcards)."""
    return rule.replace(MODEL_PLACEHOLDER, "*")
