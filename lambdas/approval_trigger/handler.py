"""Approval trigger (dev): a registry decision on a model version → its promotion pipeline, once.

Contract (``lambdas/approval_trigger/handler.py:handler``):

- **Invoked by** an EventBridge rule on dev's default bus: ``source``
  ``aws.sagemaker``, ``detail-type`` ``SageMaker Model Package State Change``,
  ``detail.ModelPackageGroupName`` starting with the platform's group prefix, and
  ``detail.ModelApprovalStatus`` ``Approved`` or ``Rejected``. Typed fields
  (``approval_event``): ``detail.ModelPackageGroupName``,
  ``ModelPackageVersion``, ``ModelPackageArn`` (must name that group, version
  and the event's account), ``ModelApprovalStatus``, optional
  ``ApprovalDescription``.
- **Environment:** ``PROMOTION_NAMING`` (JSON object: ``groups`` and ``pipelines``, the
  naming rules of a model's registry group and promotion CodePipeline, ``{model}``
  standing for the model: ``{"groups": "mlops-{model}", "pipelines":
  "mlops-{model}-promotion"}``), ``IDEMPOTENCY_TABLE`` (DynamoDB table, partition
  key ``id`` (string), TTL attribute ``expiration``).
- **IAM:** ``codepipeline:StartPipelineExecution`` on
  ``arn:aws:codepipeline:<region>:<dev>:<pipelines rule, * for the model>``;
  ``dynamodb:GetItem``, ``PutItem``, ``UpdateItem``, ``DeleteItem`` on the
  table's ARN; ``kms:Decrypt``, ``Encrypt``, ``GenerateDataKey`` on the table's
  key (when customer-managed).
- **Behaviour:** ``Approved`` starts the pipeline the naming rules derive from the group with the pipeline
  variable ``ModelPackageArn`` (= the package ARN) at most once per package ARN:
  a Powertools idempotency record keyed on the ARN (not on the event id: SageMaker
  may resend a change with a new id, and every later update of an approved version,
  such as the deployment recorder's, emits ``Approved`` again), plus a
  ``clientRequestToken`` derived from the ARN. ``Rejected`` is logged ("recorded,
  never deployed") and starts nothing; ``PendingManualApproval`` is ignored.
- **Returns** ``{"outcome": "started" | "duplicate" | "rejection-recorded" |
  "ignored", "group", "model_package_arn"}``, plus ``pipeline`` and ``execution_id``
  when started or duplicate.
- **Fails** (the invocation errors, so EventBridge retries, then the event lands
  in the dead-letter queue and the alarm fires) on a malformed event, a group
  outside the naming rule, a bad ``PROMOTION_NAMING`` (these three before any call),
  a group whose pipeline does not exist (CodePipeline refuses the start: nothing
  started, no idempotency record kept), or another AWS error. An approval that cannot be handled leaves an
  approved version undeployed: a person must know, so nothing is dropped quietly.
"""

import os
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from approval_event import state_change_of
from promotion import Action, Promotion, TriggerSettings, UnknownModelGroupError, decide, start_promotion

# How long a started promotion is remembered. It must outlast a whole promotion (queue,
# staging, up to 7 days of waiting for the prod approval), because recording the deployment
# on the version makes SageMaker send Approved again; a year also covers later edits of an
# approved version. Promoting a version again on purpose is a manual pipeline start.
PROMOTION_MEMORY = timedelta(days=365)
# Stable across function renames, so a redeployed function still sees earlier records.
IDEMPOTENCY_KEY_PREFIX = "promotion"

logger = Logger()
tracer = Tracer()


def _mark_duplicate(response: dict[str, str], record: DataRecord) -> dict[str, str]:
    return {**response, "outcome": "duplicate"}


idempotency = IdempotencyConfig(
    event_key_jmespath="model_package_arn",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=int(PROMOTION_MEMORY.total_seconds()),
    response_hook=_mark_duplicate,
)


@cache
def _settings() -> TriggerSettings:
    return TriggerSettings.from_environment(os.environ.get("PROMOTION_NAMING"))


@cache
def _promote_once() -> Callable[..., dict[str, str]]:
    codepipeline = boto3.client("codepipeline")
    persistence = DynamoDBPersistenceLayer(
        table_name=os.environ["IDEMPOTENCY_TABLE"], boto3_client=boto3.client("dynamodb")
    )

    def promote(*, promotion: Promotion) -> dict[str, str]:
        return start_promotion(codepipeline, promotion)

    return idempotent_function(
        promote,
        data_keyword_argument="promotion",
        persistence_store=persistence,
        config=idempotency,
        key_prefix=IDEMPOTENCY_KEY_PREFIX,
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    change = state_change_of(event, logger, "approval event")
    try:
        decision = decide(change, _settings())
    except UnknownModelGroupError as error:
        logger.error("rejected approval event of a group outside the platform", extra={"problem": str(error)})
        raise
    result = {"group": decision.group, "model_package_arn": decision.model_package_arn}
    if decision.action is Action.PROMOTE:
        idempotency.register_lambda_context(context)
        # A replayed record comes back through _mark_duplicate, outcome "duplicate" included.
        try:
            started = _promote_once()(promotion=decision.promotion)
        except UnknownModelGroupError as error:
            logger.error("approved version of a model without promotion pipeline", extra={**result, "problem": str(error)})
            raise
        result = {"outcome": "started", **result, **started}
        message = "promotion already started for this version" if result["outcome"] == "duplicate" else "promotion started"
        logger.info(message, extra=result)
    elif decision.action is Action.RECORD_REJECTION:
        result = {"outcome": "rejection-recorded", **result}
        logger.info(
            "rejected version recorded, never deployed",
            extra={**result, "version": change.version, "approval_description": change.approval_description},
        )
    else:
        result = {"outcome": "ignored", **result}
        logger.info("ignored: the version awaits approval", extra=result)
    return result
