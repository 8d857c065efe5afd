"""AlarmNotifications (dev): tells the approvers when a serving account's monitoring alarm fires.

Creates an SNS topic encrypted with ``key`` (TLS-only publishing), one e-mail
subscription per address in ``emails``, and an EventBridge rule on dev's
default bus that turns each forwarded alarm entering ALARM from
``account_ids`` into a one-line message on the topic, with the retry policy and
dead-letter queue of ``dead_letters`` (``EventDeadLetters``). ``key``'s policy
must let EventBridge use it (``allow_events_to_use``). Exposes ``topic`` and ``rule``.
"""

from aws_cdk import Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from stacks.components.event_dead_letters import EventDeadLetters
from stacks.components.event_forwarding import ALARM_DETAIL_TYPE, ALARM_SOURCE


class AlarmNotifications(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key: kms.IKey,
        emails: list[str],
        account_ids: list[str],
        dead_letters: EventDeadLetters,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self, "Topic", display_name="Model monitoring alarms", master_key=key, enforce_ssl=True
        )
        for email in emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        field = events.EventField.from_path
        self.rule = events.Rule(
            self,
            "Rule",
            description="Monitoring alarms from staging and prod, to the approvers",
            event_pattern=events.EventPattern(
                source=[ALARM_SOURCE],
                detail_type=[ALARM_DETAIL_TYPE],
                account=account_ids,
                detail={"state": {"value": ["ALARM"]}},
            ),
            targets=[
                targets.SnsTopic(
                    self.topic,
                    message=events.RuleTargetInput.from_text(
                        f"{field('$.detail.alarmName')} is in ALARM in account {field('$.account')} "
                        f"({field('$.region')}) since {field('$.time')}: {field('$.detail.state.reason')}"
                    ),
                    **dead_letters.target_options,
                )
            ],
        )


def allow_events_to_use(key: kms.IKey, *, rules_of_account: str | None = None) -> None:
    """Let EventBridge encrypt messages under ``key`` for an SNS topic or a dead-letter queue; with
    ``rules_of_account``, only for that account's rules (``aws:SourceArn``)."""
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="EventBridgeEncryptsMessages",
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            principals=[iam.ServicePrincipal("events.amazonaws.com")],
            resources=["*"],
            conditions=(
                {"ArnLike": {"aws:SourceArn": f"arn:aws:events:{Stack.of(key).region}:{rules_of_account}:rule/*"}}
                if rules_of_account
                else None
            ),
        )
    )
