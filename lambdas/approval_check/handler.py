"""Approval check (dev): a model version is deployed only while it is approved in its model's group.

Contract (``lambdas/approval_check/handler.py:handler``):

- **Invoked by** a CodePipeline Lambda invoke action (``CheckApproval``) right
  before each endpoint deploy action (staging, and prod after the manual
  approval). Event: ``{"CodePipeline.job": {"id": ..., "data":
  {"actionConfiguration": {"configuration": {"UserParameters": "<JSON>"}}}}}``;
  ``UserParameters`` (``version_approval.ApprovalCheck``, no other keys):
  ``{"model_package_arn": "#{variables.ModelPackageArn}",
  "model_package_group_name": "<name>-<model>", "stage": "staging" | "prod",
  "require_baselines": true | false, "find_served": true | false}`` (both optional, false by
  default; ``require_baselines`` true for models whose Endpoint stack carries Model Monitor
  schedules, ``find_served`` for prod releases with a candidate: shadow, A/B).
- **Environment:** none. The registry is the function's own account (dev).
- **Ships** ``codepipeline_job`` from ``lambdas/shared`` (the job's plumbing).
- **IAM:** ``sagemaker:DescribeModelPackage`` on
  ``arn:aws:sagemaker:<region>:<dev>:model-package/<group, lower case>/*`` of each
  model; ``sagemaker:ListModelPackages`` (``*``: no resource type);
  ``codepipeline:PutJobSuccessResult`` and ``PutJobFailureResult`` (no
  resource-level permissions: ``*``).
- **Does:** describes the version; ``PutJobSuccessResult`` only when its
  ``ModelApprovalStatus`` is ``Approved``, it is in the dev registry, both the
  ARN's group and ``ModelPackageGroupName`` are the given group, and, with
  ``require_baselines``, it has ``DriftCheckBaselines.ModelDataQuality``
  statistics and constraints. The success carries the output variables
  ``StatisticsUri`` and ``ConstraintsUri`` (those baselines' S3 URIs, each
  only when registered), which the deploy action reads as ``#{<namespace>.StatisticsUri}``;
  with ``find_served`` also ``ServedModelPackageArn`` and ``CandidateModelPackageArn``
  (``served_version``: the version last recorded as deployed to the stage, and the promoted one
  or ``none``). Read-only: safe to retry.
- **Fails the job** (``PutJobFailureResult``: ``JobFailed`` with the reason for a
  version that is not approved or not the model's; ``ConfigurationError`` for bad
  or missing ``UserParameters``, before any SageMaker call; ``PermissionError``
  when access is denied) and returns normally: the stage stops before deploying.
- **Raises** only when the event has no job id (nothing to answer: the invocation
  errors, then lands in the function's dead-letter queue) or when CodePipeline
  cannot be told the outcome.
- **Returns** ``{"outcome": "approved" | "refused", "job_id", "summary"}``.
"""

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from codepipeline_job import Answer, answer_job, parameters_of
from version_approval import ApprovalCheck, check_approval

logger = Logger()
tracer = Tracer()


@cache
def _codepipeline() -> Any:
    return boto3.client("codepipeline")


@cache
def _sagemaker() -> Any:
    return boto3.client("sagemaker")


def _clear(event: dict[str, Any], registry_account: str) -> Answer:
    check = parameters_of(event, ApprovalCheck)
    clearance = check_approval(_sagemaker(), check, registry_account=registry_account)
    logger.info(
        "version cleared",
        extra={"model_package_arn": check.model_package_arn, "stage": check.stage, **clearance.variables},
    )
    return Answer(True, clearance.summary, clearance.variables)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    registry_account = context.invoked_function_arn.split(":")[4]
    job_id, answer = answer_job(
        event, lambda _job_id: _clear(event, registry_account), codepipeline=_codepipeline, logger=logger
    )
    return {"outcome": "approved" if answer.succeeded else "refused", "job_id": job_id, "summary": answer.summary}
