"""Monitoring alarms crossing from the serving accounts to dev, through dev's default event bus.

``AlarmForwarding`` (staging, prod): an EventBridge rule on the account's
default bus matching state changes into ALARM of the alarms whose names match
``alarm_name_patterns`` (EventBridge wildcards, ``*`` for any text), targeting
dev's default event bus through a role that may only put events there. The
events arrive unchanged (``account`` still names the serving account), so dev's
rules can tell staging from prod. Events EventBridge cannot deliver land in a
dead-letter queue encrypted with ``dead_letter_key`` (``EventDeadLetters``; its
policy must let EventBridge use it), whose not-empty alarm is forwarded too, so
dev hears of it once forwarding works again. Exposes ``rule`` and ``dead_letters``.

``ServingAccountsEventIntake`` (dev): the default bus's policy statement letting
exactly the given accounts put CloudWatch alarm state changes on it. Exposes
``policy``.
"""

from aws_cdk import Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from stacks.components.event_dead_letters import EventDeadLetters
from stacks.components.nag import acknowledge

ALARM_SOURCE = "aws.cloudwatch"
ALARM_DETAIL_TYPE = "CloudWatch Alarm State Change"


def default_event_bus_arn(region: str, account_id: str) -> str:
    return f"arn:aws:events:{region}:{account_id}:event-bus/default"


class AlarmForwarding(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        alarm_name_patterns: list[str],
        dev_account_id: str,
        dead_letter_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letters = EventDeadLetters(
            self, "DeadLetters", key=dead_letter_key, purpose="A monitoring alarm forwarded to dev"
        )
        acknowledge(
            self.dead_letters.alarm,
            "NIST.800.53.R5::NIST.800.53.R5-CloudWatchAlarmAction",
            "Like the monitoring alarms, its state changes reach dev's approvers through this forwarding rule; "
            "an alarm action would need a topic of its own in every serving account.",
        )
        stack = Stack.of(self)
        dev_bus = events.EventBus.from_event_bus_arn(
            self, "DevEventBus", default_event_bus_arn(stack.region, dev_account_id)
        )
        role = iam.Role(
            self,
            "Role",
            description="Puts this account's monitoring alarm events on dev's default event bus",
            assumed_by=iam.ServicePrincipal(
                "events.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": stack.account}}
            ),
        )
        self.rule = events.Rule(
            self,
            "Rule",
            description="Monitoring alarms entering ALARM, forwarded to dev (notification, retraining)",
            event_pattern=events.EventPattern(
                source=[ALARM_SOURCE],
                detail_type=[ALARM_DETAIL_TYPE],
                detail={
                    "alarmName": [
                        *({"wildcard": pattern} for pattern in sorted(alarm_name_patterns)),
                        self.dead_letters.alarm.alarm_name,
                    ],
                    "state": {"value": ["ALARM"]},
                },
            ),
            # EventBridge takes no retry policy for event bus targets: its default retries apply.
            targets=[targets.EventBus(dev_bus, role=role, dead_letter_queue=self.dead_letters.queue)],
        )


class ServingAccountsEventIntake(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, account_ids: list[str]) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.policy = events.CfnEventBusPolicy(
            self,
            "Policy",
            event_bus_name="default",
            statement_id="ServingAccountsPutAlarmEvents",
            statement={
                "Effect": "Allow",
                "Principal": {"AWS": [f"arn:aws:iam::{account_id}:root" for account_id in account_ids]},
                "Action": "events:PutEvents",
                "Resource": default_event_bus_arn(stack.region, stack.account),
                # The Service Authorization Reference types both keys as ArrayOfString, so each is
                # tested with ForAllValues, and Null keeps an event without them from passing vacuously.
                "Condition": {
                    "Null": {"events:source": "false", "events:detail-type": "false"},
                    "ForAllValues:StringEquals": {
                        "events:source": [ALARM_SOURCE],
                        "events:detail-type": [ALARM_DETAIL_TYPE],
                    },
                },
            },
        )
