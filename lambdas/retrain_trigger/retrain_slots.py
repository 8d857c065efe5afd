"""RetrainSlots: the DynamoDB table that rate-limits retraining and remembers events.

One item per model (``model#<name>``) holds when its last retraining started;
one item per handled event (``event#<id>``, expiring after ``EVENT_MEMORY``)
makes a redelivered event a no-op. A reservation writes both in one
transaction, each under a condition, so concurrent deliveries of a flapping
alarm cannot both win, and a reservation either happens whole or not at all.
"""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError

# Longer than EventBridge (24 h) and Lambda (6 h) keep retrying one event.
EVENT_MEMORY = timedelta(days=7)


class Reservation(StrEnum):
    GRANTED = "granted"
    RATE_LIMITED = "rate-limited"
    DUPLICATE = "duplicate"


class RetrainSlots:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def reserve(self, *, model: str, event_id: str, reason: str, now: datetime, window: timedelta) -> Reservation:
        """Take the model's retraining slot for ``event_id`` unless the event was seen
        before or a retraining started less than ``window`` before ``now``."""
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {"Put": self._remember(event_id, model, "started", now)},
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": _model_key(model),
                            "UpdateExpression": (
                                "SET previous_started_at = if_not_exists(started_at, :never), "
                                "started_at = :now, event_id = :event, reason = :reason REMOVE execution_arn"
                            ),
                            "ConditionExpression": "attribute_not_exists(started_at) OR started_at <= :cutoff",
                            "ExpressionAttributeValues": {
                                ":never": {"N": "0"},
                                ":now": {"N": str(_epoch(now))},
                                ":cutoff": {"N": str(_epoch(now - window))},
                                ":event": {"S": event_id},
                                ":reason": {"S": reason},
                            },
                        }
                    },
                ]
            )
        except ClientError as error:
            seen_before, too_soon = _failed_conditions(error)
            if seen_before:
                return Reservation.DUPLICATE
            if too_soon:
                return self._remember_rate_limited(event_id, model, now)
            raise
        return Reservation.GRANTED

    def release(self, *, model: str, event_id: str) -> None:
        """Undo ``event_id``'s reservation (its retraining did not start), so a retry may take it."""
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {"Delete": {"TableName": self._table, "Key": _event_key(event_id)}},
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": _model_key(model),
                            "UpdateExpression": "SET started_at = previous_started_at",
                            "ConditionExpression": "event_id = :event",
                            "ExpressionAttributeValues": {":event": {"S": event_id}},
                        }
                    },
                ]
            )
        except ClientError as error:
            # Another event holds the slot now: nothing of this event's is left to undo there.
            if not any(_failed_conditions(error)):
                raise

    def record_execution(self, *, model: str, event_id: str, execution_arn: str) -> None:
        """Note which pipeline execution the reservation started, for whoever asks why."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_model_key(model),
                UpdateExpression="SET execution_arn = :arn",
                ConditionExpression="event_id = :event",
                ExpressionAttributeValues={":arn": {"S": execution_arn}, ":event": {"S": event_id}},
            )
        except ClientError as error:
            # A later window's event holds the slot already; the note belongs to that one now.
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def _remember_rate_limited(self, event_id: str, model: str, now: datetime) -> Reservation:
        # Remembered too, so a redelivery after the window cannot start what this event did not.
        try:
            self._client.put_item(**self._remember(event_id, model, "rate-limited", now))
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return Reservation.DUPLICATE
            raise
        return Reservation.RATE_LIMITED

    def _remember(self, event_id: str, model: str, outcome: str, now: datetime) -> dict[str, Any]:
        return {
            "TableName": self._table,
            "Item": {
                **_event_key(event_id),
                "model": {"S": model},
                "outcome": {"S": outcome},
                "expires_at": {"N": str(_epoch(now + EVENT_MEMORY))},
            },
            "ConditionExpression": "attribute_not_exists(pk)",
        }


def _model_key(model: str) -> dict[str, Any]:
    return {"pk": {"S": f"model#{model}"}}


def _event_key(event_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"event#{event_id}"}}


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _failed_conditions(error: ClientError) -> tuple[bool, bool]:
    """Which of a cancelled two-item transaction's items failed their condition; re-raises anything else."""
    reasons = error.response.get("CancellationReasons") or []
    if error.response["Error"]["Code"] != "TransactionCanceledException" or len(reasons) != 2:
        raise error
    first, second = (reason.get("Code") == "ConditionalCheckFailed" for reason in reasons)
    return first, second
