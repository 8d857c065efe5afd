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

from deployment_job import describe, job_id_of, report_failure, report_success, user_parameters_of
from deployment_record import Deployment, record_deployment

logger = Logger()
tracer = Tracer()


@cache
def _codepipeline() -> Any:
    return boto3.client("codepipeline")


@cache
def _sagemaker() -> Any:
    return boto3.client("sagemaker")


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        job_id = job_id_of(event)
    except ValueError:
        logger.exception("rejected: not a CodePipeline job event")
        raise
    logger.append_keys(job_id=job_id)
    try:
        deployment = Deployment.model_validate_json(user_parameters_of(event))
        entries = record_deployment(_sagemaker(), deployment, recorded_at=datetime.now(UTC))
    except Exception as error:  # noqa: BLE001 (CodePipeline waits for an answer whatever breaks)
        logger.exception("deployment not recorded")
        report_failure(_codepipeline(), job_id, error)
        return {"outcome": "failed", "job_id": job_id, "reason": describe(error)}
    summary = (
        f"Recorded on {deployment.model_package_arn}: deployed to {deployment.stage} "
        f"({deployment.account}, endpoint {deployment.endpoint_name}) by execution {deployment.pipeline_execution_id}"
    )
    report_success(_codepipeline(), job_id, summary)
    logger.info("deployment recorded", extra={"model_package_arn": deployment.model_package_arn, **entries})
    return {"outcome": "recorded", "job_id": job_id, "entries": entries}
