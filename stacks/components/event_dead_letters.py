"""EventDeadLetters: where an EventBridge rule's undeliverable events go, and the alarm that says so.

Creates a dead-letter queue encrypted with ``key`` (TLS only, 14 days' retention)
and ``alarm``, which enters ALARM as soon as the queue holds a message; the caller
decides who hears it. ``key``'s policy must let EventBridge use it
(``allow_events_to_use``); CDK adds the queue policy letting each rule that names
the queue send to it. ``target_options`` are the keyword arguments for a Lambda or
SNS target: this queue, ``RETRY_ATTEMPTS`` retries within ``MAX_EVENT_AGE``
(event bus targets take the queue only: EventBridge has no retry policy for them).
Exposes ``queue``, ``alarm`` and ``target_options``.
"""

from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.components.nag import acknowledge

# An alarm or a drift signal is stale after a few hours; retrying longer only delays the dead letter.
RETRY_ATTEMPTS = 8
MAX_EVENT_AGE = Duration.hours(6)
RETENTION = Duration.days(14)


def encrypted_dead_letter_queue(scope: Construct, construct_id: str, *, key: kms.IKey) -> sqs.Queue:
    """A dead-letter queue: encrypted with ``key``, TLS only, messages kept ``RETENTION``."""
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key,
        enforce_ssl=True,
        retention_period=RETENTION,
    )


def queue_not_empty_alarm(scope: Construct, construct_id: str, *, queue: sqs.IQueue, description: str) -> cloudwatch.Alarm:
    """An alarm in ALARM as soon as ``queue`` holds a message (a dead letter needs a person)."""
    return cloudwatch.Alarm(
        scope,
        construct_id,
        alarm_description=description,
        metric=queue.metric_approximate_number_of_messages_visible(period=Duration.minutes(5), statistic="Maximum"),
        threshold=0,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluation_periods=1,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )


def function_errors_alarm(scope: Construct, construct_id: str, *, function: lambda_.IFunction, description: str) -> cloudwatch.Alarm:
    """An alarm in ALARM when ``function`` failed in the last five minutes (its event is retried, then dead-lettered)."""
    return cloudwatch.Alarm(
        scope,
        construct_id,
        alarm_description=description,
        metric=function.metric_errors(period=Duration.minutes(5), statistic="Sum"),
        threshold=0,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluation_periods=1,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )


class EventDeadLetters(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey, purpose: str) -> None:
        super().__init__(scope, construct_id)
        self.queue = encrypted_dead_letter_queue(self, "Queue", key=key)
        acknowledge(
            self.queue,
            "AwsSolutions-SQS3",
            "This queue is itself the dead-letter queue of EventBridge rule targets; it has no queue behind it.",
        )
        self.alarm = queue_not_empty_alarm(
            self,
            "NotEmpty",
            queue=self.queue,
            description=f"{purpose} could not be delivered: read the dead-letter queue's messages (their "
            "attributes name the error) and redrive them after fixing the cause.",
        )
        self.target_options: dict[str, Any] = {
            "dead_letter_queue": self.queue,
            "retry_attempts": RETRY_ATTEMPTS,
            "max_event_age": MAX_EVENT_AGE,
        }
