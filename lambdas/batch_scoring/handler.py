"""Batch scoring (prod): a scheduled transform job on the version the prod endpoint serves, and its manifest.

Contract (``lambdas/batch_scoring/handler.py:handler``):

- **Invoked by** the model's EventBridge Scheduler schedule with ``{"scheduled_time":
  "<aws.scheduler.scheduled-time>"}`` (``batch_event.ScheduleTick``), and by an EventBridge
  rule on ``aws.sagemaker`` / ``SageMaker Transform Job State Change`` for transform jobs named
  ``<job_name_prefix>-*`` (``batch_event.TransformJobStateChangeEvent``).
- **Environment:** ``BATCH_SCORING`` (JSON, ``batch_job.BatchSettings``): the endpoint, the job
  name prefix, the data-capture bucket and the serving key, the input and output prefixes, the
  window (hours between ticks), the content type, the transform instances and the tags.
- **IAM:** ``sagemaker:DescribeEndpoint`` on the endpoint, ``DescribeEndpointConfig`` and
  ``DescribeModel`` (generated names); ``CreateTransformJob``, ``DescribeTransformJob`` and
  ``AddTags`` on ``transform-job/<job_name_prefix>-*`` only; no ``iam:PassRole`` (a transform job
  runs as its model's execution role); ``s3:ListBucket`` of the input and output prefixes,
  ``GetObject`` of both, ``PutObject`` of the output prefix; the serving key.
- **Does:** a tick starts at most one job (``batch_job.start_scoring``); a completed job gets its
  manifest (``batch_job.record_completion``). Both are idempotent on what the event means (the
  tick, the job), not on the event id.
- **Returns** ``{"outcome": "started" | "duplicate" | "no-input" | "recorded" | "not-completed",
  "job_name", "detail"}``.
- **Fails** (EventBridge and Scheduler retry, then dead-letter) on a malformed event, a bad
  ``BATCH_SCORING`` or a job this function did not start (these before any call), an endpoint not
  ``InService``, or an AWS error.
"""

import os
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from batch_event import ScheduleTick, TransformJobStateChangeEvent
from batch_job import BatchSettings, ForeignJobError, record_completion, start_scoring

SETTINGS_ENVIRONMENT = "BATCH_SCORING"

logger = Logger()
tracer = Tracer()


@cache
def _settings() -> BatchSettings:
    try:
        return BatchSettings.model_validate_json(os.environ.get(SETTINGS_ENVIRONMENT) or "")
    except ValidationError as error:
        raise ValueError(f"{SETTINGS_ENVIRONMENT} is not valid batch scoring settings: {_problems(error)}") from None


@cache
def _clients() -> tuple[Any, Any]:
    return boto3.client("sagemaker"), boto3.client("s3")


def _problems(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}" for problem in error.errors())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = _settings()
    if isinstance(event, dict) and "detail-type" in event:
        try:
            change = TransformJobStateChangeEvent.model_validate(event).detail
        except ValidationError as error:
            logger.error("rejected malformed transform job event", extra={"problems": _problems(error)})
            raise ValueError(f"malformed SageMaker Transform Job State Change event: {_problems(error)}") from None
        try:
            result = record_completion(*_clients(), settings, change.job_name, change.status)
        except ForeignJobError as error:
            logger.error("rejected event of a job batch scoring did not start", extra={"problem": str(error)})
            raise
    else:
        try:
            tick = ScheduleTick.model_validate(event)
        except ValidationError as error:
            logger.error("rejected malformed schedule tick", extra={"problems": _problems(error)})
            raise ValueError(f"malformed batch scoring event: {_problems(error)}") from None
        result = start_scoring(*_clients(), settings, tick.scheduled_time)
    logger.info(f"batch scoring: {result.outcome}", extra=result.as_dict())
    return result.as_dict()
