"""What a registry decision on a model version does: start its promotion, record it, or nothing.

``decide`` is the whole decision, free of AWS calls:

- ``Approved`` → promote: start the group's promotion pipeline with the pipeline
  variable ``ModelPackageArn`` = the version's ARN (``start_promotion``);
- ``Rejected`` → record: the handler logs the decision; nothing is deployed;
- ``PendingManualApproval`` → ignore (registration, or an approval withdrawn);
- a group the function has no pipeline for → ``UnknownModelGroupError``: the
  EventBridge rule selects the configured groups, so such an event means the rule
  and ``PIPELINE_BY_GROUP`` disagree, which a person must look at.

``start_promotion`` passes a ``clientRequestToken`` derived from the package ARN
alone, so CodePipeline itself also refuses to start a second execution for a
retried call; the handler's idempotency record is the first guard.
"""

import json
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from approval_event import ModelPackageStateChange

MODEL_PACKAGE_VARIABLE = "ModelPackageArn"
PIPELINES_ENVIRONMENT = "PIPELINE_BY_GROUP"
# uuid5 namespace of the StartPipelineExecution tokens: the same ARN always yields the same token.
TOKEN_NAMESPACE = uuid.UUID("6f0e2a51-3c1d-5b8e-9a47-2d6c8f1b0e93")

GroupName = Annotated[str, Field(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")]
PipelineName = Annotated[str, Field(pattern=r"^[A-Za-z0-9.@\-_]{1,100}$")]


class UnknownModelGroupError(ValueError):
    pass


class TriggerSettings(BaseModel):
    """``PIPELINE_BY_GROUP``: model package group name → its promotion pipeline name (JSON object)."""

    model_config = ConfigDict(frozen=True)

    pipelines: Annotated[dict[GroupName, PipelineName], Field(min_length=1)]

    @classmethod
    def from_environment(cls, value: str | None) -> "TriggerSettings":
        if not value:
            raise ValueError(f"{PIPELINES_ENVIRONMENT} is not set")
        try:
            return cls(pipelines=json.loads(value))
        except (json.JSONDecodeError, ValidationError) as error:
            raise ValueError(f"{PIPELINES_ENVIRONMENT} is not a JSON object of group name → pipeline name: {error}") from None


class Action(StrEnum):
    PROMOTE = "promote"
    RECORD_REJECTION = "record-rejection"
    IGNORE = "ignore"


@dataclass(frozen=True)
class Promotion:
    """One start of a promotion pipeline; ``model_package_arn`` is the idempotency key."""

    pipeline: str
    model_package_arn: str
    client_request_token: str


@dataclass(frozen=True)
class Decision:
    action: Action
    group: str
    model_package_arn: str
    promotion: Promotion | None = None


def client_request_token(model_package_arn: str) -> str:
    return str(uuid.uuid5(TOKEN_NAMESPACE, model_package_arn))


def decide(change: ModelPackageStateChange, settings: TriggerSettings) -> Decision:
    pipeline = settings.pipelines.get(change.group)
    if pipeline is None:
        raise UnknownModelGroupError(
            f"ModelPackageGroupName {change.group!r} has no promotion pipeline; "
            f"{PIPELINES_ENVIRONMENT} knows {sorted(settings.pipelines)}"
        )
    if change.approval_status == "Approved":
        promotion = Promotion(pipeline, change.arn, client_request_token(change.arn))
        return Decision(Action.PROMOTE, change.group, change.arn, promotion)
    if change.approval_status == "Rejected":
        return Decision(Action.RECORD_REJECTION, change.group, change.arn)
    return Decision(Action.IGNORE, change.group, change.arn)


def start_promotion(codepipeline: Any, promotion: Promotion) -> dict[str, str]:
    """Start ``promotion.pipeline`` for the package; the started execution's id and pipeline."""
    response = codepipeline.start_pipeline_execution(
        name=promotion.pipeline,
        variables=[{"name": MODEL_PACKAGE_VARIABLE, "value": promotion.model_package_arn}],
        clientRequestToken=promotion.client_request_token,
    )
    return {"pipeline": promotion.pipeline, "execution_id": response["pipelineExecutionId"]}
