"""Model card function (dev): each registered version gets a SageMaker model card that follows its approval.

Contract (``lambdas/model_card/handler.py:handler``):

- **Invoked by** an EventBridge rule on dev's default bus: ``source`` ``aws.sagemaker``,
  ``detail-type`` ``SageMaker Model Package State Change``, ``detail.ModelPackageGroupName``
  starting with the platform's group prefix, any ``ModelApprovalStatus``. Typed fields as the
  approval trigger's (``approval_event``).
- **Environment:** ``MODEL_CARD_SETTINGS`` (``model_cards.CardSettings``: the naming rules of
  groups and intended-use parameters, the card suffix, the reports bucket, the export prefix,
  the cards' tags).
- **IAM:** ``sagemaker:DescribeModelPackage`` on the platform's groups' versions;
  ``sagemaker:DescribeModelCard``, ``CreateModelCard``, ``UpdateModelCard``,
  ``CreateModelCardExportJob`` and ``AddTags`` on ``model-card/<platform>-*<card suffix>``;
  ``s3:GetObject`` of the build's evaluation, bias and preprocess reports and ``s3:PutObject``
  under the export prefix of the reports bucket, with its key; ``ssm:GetParameter`` of the
  intended-use parameters.
- **Behaviour:** ``model_cards.write_card``: a new version's card is created
  (``PendingReview``) from the run's reports and the model's intended use; the approver's
  decision updates it (``Approved``, or ``Draft`` when rejected) with who, when and the
  approval description; each state of the card is exported once as PDF under the export
  prefix. Idempotent on what the event means (the version and its status), not on the event
  id: a repeated or stale event writes nothing.
- **Returns** ``{"outcome": "created" | "updated" | "unchanged" | "stale", "model_package_arn",
  "model_card", "card_status", "export_job", "export_started"}``.
- **Fails** (EventBridge retries, then dead-letters, and the alarm fires) on a malformed event,
  a group outside the naming rule, a bad ``MODEL_CARD_SETTINGS``, a version whose reports lie
  outside the reports bucket (all before any write), or an AWS error.
"""

import os
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from approval_event import state_change_of
from model_cards import SETTINGS_ENVIRONMENT, CardSettings, PackageReportsError, UnknownModelGroupError, write_card

logger = Logger()
tracer = Tracer()


@cache
def _settings() -> CardSettings:
    return CardSettings.from_environment(os.environ.get(SETTINGS_ENVIRONMENT))


@cache
def _sagemaker() -> Any:
    return boto3.client("sagemaker")


@cache
def _s3() -> Any:
    return boto3.client("s3")


@cache
def _ssm() -> Any:
    return boto3.client("ssm")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    change = state_change_of(event, logger, "model package event")
    settings = _settings()
    try:
        written = write_card(change, settings, sagemaker=_sagemaker(), s3=_s3(), ssm=_ssm())
    except (UnknownModelGroupError, PackageReportsError) as error:
        logger.error("no model card written", extra={"model_package_arn": change.arn, "problem": str(error)})
        raise
    result = {
        "model_package_arn": change.arn,
        "outcome": written.outcome,
        "model_card": written.card,
        "card_status": written.card_status,
        "export_job": written.export_job,
        "export_started": written.export_started,
    }
    logger.info(f"model card {written.outcome}", extra=result)
    return result
