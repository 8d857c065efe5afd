"""Deployment recorder (dev): notes a deployment of a model version on the version, for lineage.

Contract (``lambdas/deployment_recorder/handler.py:handler``):

- **Invoked by** a CodePipeline Lambda invoke action after each endpoint deploy
  action (staging, prod). Event: ``{"CodePipeline.job": {"id": ..., "data":
  {"actionConfiguration": {"configuration": {"UserParameters": "<JSON>"}}}}}``;
  ``UserParameters`` (``deployment_record.Deployment``, no other keys):
  ``{"model_package_arn": "#{variables.ModelPackageArn}", "account": "<12 digits>",
  "endpoint_name": ..., "stage": "staging" | "prod",
  "pipeline_execution_id": "#{codepipeline.PipelineExecutionId}"}``.
- **Environment:** none.
- **Ships** ``codepipeline_job`` from ``lambdas/shared`` (the job's plumbing).
- **IAM:** ``sagemaker:DescribeModelPackage`` and ``sagemaker:UpdateModelPackage`` on
  ``arn:aws:sagemaker:<region>:<dev>:model-package/<group, lower case>/*`` of each
  model; ``codepipeline:PutJobSuccessResult`` and ``PutJobFailureResult`` (no
  resource-level permissions: ``*``).
- **Does:** adds ``deployment.<stage>.account|endpoint|time|pipeline-execution`` to
  the version's ``CustomerMetadataProperties``, keeping its other entries, then
  ``PutJobSuccessResult`` with a one-line summary. Re-running a job overwrites the
  stage's entries (same values but the time): safe to retry.
- **Fails the job** (``PutJobFailureResult``: ``ConfigurationError`` for bad or
  missing ``UserParameters``, before any SageMaker call; ``PermissionError`` when
  access is denied; ``JobFailed`` otherwise, with the reason) and returns normally:
  the pipeline stops at once instead of waiting for the action to time out.
- **Raises** only when the event has no job id (nothing to answer: the invocation
  errors, then lands in the function's dead-letter queue) or when CodePipeline
  cannot be told the outcome.
- **Returns** ``{"outcome": "recorded" | "failed", "job_id", ...}`` (the entries
  written, or the reason).
"""

from datetime import UTC, datetime
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from codepipeline_job import Answer, answer_job, parameters_of
from deployment_record import Deployment, record_deployment

logger = Logger()
tracer = Tracer()


@cache
def _codepipeline() -> Any:
    return boto3.client("codepipeline")


@cache
def _sagemaker() -> Any:
    return boto3.client("sagemaker")


def _record(event: dict[str, Any]) -> Answer:
    deployment = parameters_of(event, Deployment)
    entries = record_deployment(_sagemaker(), deployment, recorded_at=datetime.now(UTC))
    summary = (
        f"Recorded on {deployment.model_package_arn}: deployed to {deployment.stage} "
        f"({deployment.account}, endpoint {deployment.endpoint_name}) by execution {deployment.pipeline_execution_id}"
    )
    return Answer(True, summary, details=entries)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    job_id, answer = answer_job(event, lambda _job_id: _record(event), codepipeline=_codepipeline, logger=logger)
    if not answer.succeeded:
        return {"outcome": "failed", "job_id": job_id, "reason": answer.summary}
    return {"outcome": "recorded", "job_id": job_id, "entries": dict(answer.details)}
