"""Lambda entry point: a drift alarm forwarded from a serving account → maybe a retraining.

Environment: ``TABLE_NAME`` (the RetrainSlots table), ``RETRAIN_SETTINGS`` (JSON,
see ``retrain.RetrainSettings``). Reads the alarm's model's ``ModelRetraining`` from the
SSM parameter its dev stack writes (``ssm:GetParameter``; a missing one means the model
does not retrain; a malformed one fails the invocation, so the event is retried and then
dead-lettered). Returns the decision; a malformed event is rejected with an error log
line and touches nothing (a retry cannot fix it).
"""

import os
from datetime import UTC, datetime
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.parser import ValidationError, parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from alarm_event import AlarmStateChangeEvent
from retrain import (
    Decision,
    ModelRetraining,
    Outcome,
    RetrainSettings,
    retrain_on_alarm,
    sagemaker_pipeline_starter,
)
from retrain_slots import RetrainSlots

logger = Logger()
tracer = Tracer()


@cache
def _settings() -> RetrainSettings:
    return RetrainSettings.model_validate_json(os.environ["RETRAIN_SETTINGS"])


@cache
def _slots() -> RetrainSlots:
    return RetrainSlots(boto3.client("dynamodb"), os.environ["TABLE_NAME"])


@cache
def _sagemaker() -> Any:
    return boto3.client("sagemaker")


@cache
def _ssm() -> Any:
    return boto3.client("ssm")


def _retraining_of(model: str) -> ModelRetraining | None:
    ssm = _ssm()
    try:
        value = ssm.get_parameter(Name=_settings().model_settings_of(model))["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        return None
    return ModelRetraining.model_validate_json(value)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    try:
        alarm = parse(event=event, model=AlarmStateChangeEvent)
    except ValidationError as error:
        problems = [f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}" for problem in error.errors()]
        logger.error("rejected malformed alarm event", extra={"problems": problems})
        return Decision(Outcome.REJECTED, "; ".join(problems)).as_dict()
    decision = retrain_on_alarm(
        alarm,
        settings=_settings(),
        slots=_slots(),
        start=sagemaker_pipeline_starter(_sagemaker()),
        now=datetime.now(UTC),
        retraining_of=_retraining_of,
    )
    logger.info("decided", extra={"alarm": alarm.detail.alarm_name, "account": alarm.account, **decision.as_dict()})
    return decision.as_dict()
