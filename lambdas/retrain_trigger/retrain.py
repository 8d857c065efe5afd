"""What a forwarded drift alarm does: start the model's build pipeline, at most once per window.

``retrain_on_alarm`` is the whole decision. It ignores alarms that are not
in ALARM, come from an account not allowed to retrain (staging serves smoke
tests, not customers), are not drift alarms by the naming rules, or are not among
the alarms the model's own settings (``retraining_of``, its SSM parameter) list;
otherwise it
reserves the model's slot (see ``retrain_slots``) and starts the SageMaker build
pipeline the naming rule gives, with ``TriggerReason`` = ``drift:<account>:<model>:<alarm>``. If the
start fails the reservation is released and the error propagates, so a retry
of the same event can still start it.
"""

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from alarm_event import AlarmStateChangeEvent
from retrain_slots import Reservation, RetrainSlots

TRIGGER_REASON_PARAMETER = "TriggerReason"


MODEL_PLACEHOLDER = "{model}"
# A naming rule names the model exactly once.
NamingRule = Annotated[str, Field(pattern=r"^[^{}]*\{model\}[^{}]*$")]


class ModelRetraining(BaseModel):
    """What a model's dev stack writes into its SSM parameter (JSON): its window and the
    drift alarms whose ALARM in prod retrain it (a model without the parameter never retrains)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_interval_hours: Annotated[int, Field(ge=1)]
    alarms: Annotated[tuple[Annotated[str, Field(min_length=1)], ...], Field(min_length=1)]

    @property
    def min_interval(self) -> timedelta:
        return timedelta(hours=self.min_interval_hours)


class RetrainSettings(BaseModel):
    """The function's configuration (environment ``RETRAIN_SETTINGS``, JSON), written by the CDK app.

    ``accounts``: serving account id → name, for accounts whose drift retrains;
    ``alarms``: the naming rules of drift alarms (``mlops-{model}-data-drift``);
    ``pipelines``: the naming rule of build pipelines (``mlops-{model}-build``);
    ``model_settings``: the naming rule of a model's ``ModelRetraining`` SSM parameter.
    No model is listed: the alarm's name gives the model, the rules the rest."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    accounts: Mapping[Annotated[str, Field(pattern=r"^\d{12}$")], str]
    alarms: Annotated[tuple[NamingRule, ...], Field(min_length=1)]
    pipelines: NamingRule
    model_settings: NamingRule

    def model_of(self, alarm: str) -> str | None:
        """The model whose drift alarm ``alarm`` is, by the alarms' naming rules."""
        for rule in self.alarms:
            prefix, suffix = rule.split(MODEL_PLACEHOLDER)
            model = alarm[len(prefix): len(alarm) - len(suffix)]
            if alarm.startswith(prefix) and alarm.endswith(suffix) and model:
                return model
        return None

    def pipeline_of(self, model: str) -> str:
        return self.pipelines.replace(MODEL_PLACEHOLDER, model)

    def model_settings_of(self, model: str) -> str:
        return self.model_settings.replace(MODEL_PLACEHOLDER, model)


# model name -> its retraining settings, or None when it has none
RetrainingLookup = Callable[[str], ModelRetraining | None]


class Outcome(StrEnum):
    STARTED = "started"
    RATE_LIMITED = "rate-limited"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    detail: str
    model: str | None = None
    execution_arn: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {key: str(value) for key, value in asdict(self).items() if value is not None}


# (pipeline name, trigger reason, idempotency token) -> execution ARN
PipelineStarter = Callable[[str, str, str], str]


def trigger_reason(account_name: str, model: str, alarm_name: str) -> str:
    return f"drift:{account_name}:{model}:{alarm_name}"


def retrain_on_alarm(
    event: AlarmStateChangeEvent,
    *,
    settings: RetrainSettings,
    slots: RetrainSlots,
    start: PipelineStarter,
    now: datetime,
    retraining_of: RetrainingLookup,
) -> Decision:
    alarm = event.detail.alarm_name
    if event.detail.state.value != "ALARM":
        return Decision(Outcome.IGNORED, f"{alarm} is {event.detail.state.value}, not ALARM")
    account_name = settings.accounts.get(event.account)
    if account_name is None:
        return Decision(Outcome.IGNORED, f"account {event.account} does not trigger retraining")
    model = settings.model_of(alarm)
    if model is None:
        return Decision(Outcome.IGNORED, f"{alarm} is not a drift alarm of any model")
    target = retraining_of(model)
    if target is None:
        return Decision(Outcome.IGNORED, f"{model} has no retraining settings ({settings.model_settings_of(model)})", model)
    if alarm not in target.alarms:
        return Decision(Outcome.IGNORED, f"{alarm} does not retrain {model}", model)
    reason = trigger_reason(account_name, model, alarm)
    reservation = slots.reserve(model=model, event_id=event.id, reason=reason, now=now, window=target.min_interval)
    if reservation is Reservation.DUPLICATE:
        return Decision(Outcome.DUPLICATE, f"event {event.id} was handled before", model)
    if reservation is Reservation.RATE_LIMITED:
        return Decision(
            Outcome.RATE_LIMITED, f"{model} started retraining less than {target.min_interval_hours} h ago", model
        )
    try:
        execution_arn = start(settings.pipeline_of(model), reason, event.id)
    except Exception:
        slots.release(model=model, event_id=event.id)
        raise
    slots.record_execution(model=model, event_id=event.id, execution_arn=execution_arn)
    return Decision(Outcome.STARTED, reason, model, execution_arn)


def sagemaker_pipeline_starter(client: Any) -> PipelineStarter:
    """Starts a SageMaker pipeline; the token makes SageMaker itself start it at most once per event."""

    def start(pipeline: str, reason: str, token: str) -> str:
        response = client.start_pipeline_execution(
            PipelineName=pipeline,
            PipelineParameters=[{"Name": TRIGGER_REASON_PARAMETER, "Value": reason}],
            PipelineExecutionDescription=reason,
            ClientRequestToken=token,
        )
        return response["PipelineExecutionArn"]

    return start
