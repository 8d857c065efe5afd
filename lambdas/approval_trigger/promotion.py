"""What a registry decision on a model version does: start its promotion, record it, or nothing.

``decide`` is the whole decision, free of AWS calls:

- ``Approved`` → promote: start the group's promotion pipeline with the pipeline
  variable ``ModelPackageArn`` = the version's ARN (``start_promotion``);
- ``Rejected`` → record: the handler logs the decision; nothing is deployed;
- ``PendingManualApproval`` → ignore (registration, or an approval withdrawn);
- a group outside the platform's naming rule → ``UnknownModelGroupError`` before any
  call: the EventBridge rule selects the platform's groups by prefix, so such an event
  means the rule and ``PROMOTION_NAMING`` disagree, which a person must look at.

The pipeline is derived, not listed: the group's name, matched against the group naming
rule (``mlops-{model}``), gives the model, and the pipeline naming rule
(``mlops-{model}-promotion``) its pipeline, so a new model needs no change here. A
group whose pipeline does not exist (a model without its stack) makes
``start_promotion`` raise ``UnknownModelGroupError`` from CodePipeline's
``PipelineNotFoundException``: nothing was started, and the handler's idempotency record
is dropped with the failure, so a retry after the model's stack exists starts it.

``start_promotion`` passes a ``clientRequestToken`` derived from the package ARN
alone, so CodePipeline itself also refuses to start a second execution for a
retried call; the handler's idempotency record is the first guard.
"""

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from approval_event import ModelPackageStateChange

MODEL_PACKAGE_VARIABLE = "ModelPackageArn"
NAMING_ENVIRONMENT = "PROMOTION_NAMING"
MODEL_PLACEHOLDER = "{model}"
# uuid5 namespace of the StartPipelineExecution tokens: the same ARN always yields the same token.
TOKEN_NAMESPACE = uuid.UUID("6f0e2a51-3c1d-5b8e-9a47-2d6c8f1b0e93")

# A naming rule names the model exactly once; around it, what group and pipeline names allow.
NamingRule = Annotated[str, Field(pattern=r"^[A-Za-z0-9.@\-_]*\{model\}[A-Za-z0-9.@\-_]*$")]


class UnknownModelGroupError(ValueError):
    pass


class TriggerSettings(BaseModel):
    """``PROMOTION_NAMING`` (JSON object): ``groups`` and ``pipelines``, the naming rules of a
    model's registry group and of its promotion pipeline, with ``{model}`` for the model."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    groups: NamingRule
    pipelines: NamingRule

    @classmethod
    def from_environment(cls, value: str | None) -> "TriggerSettings":
        if not value:
            raise ValueError(f"{NAMING_ENVIRONMENT} is not set")
        try:
            return cls.model_validate_json(value)
        except ValidationError as error:
            raise ValueError(
                f"{NAMING_ENVIRONMENT} is not a JSON object of the groups' and pipelines' naming rules: {error}"
            ) from None

    def model_of(self, group: str) -> str | None:
        """The model whose group is ``group``, or None when the name does not follow the rule."""
        prefix, suffix = self.groups.split(MODEL_PLACEHOLDER)
        model = group[len(prefix): len(group) - len(suffix)]
        if not (group.startswith(prefix) and group.endswith(suffix) and model):
            return None
        return model

    def pipeline_of(self, model: str) -> str:
        return self.pipelines.replace(MODEL_PLACEHOLDER, model)


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
    model = settings.model_of(change.group)
    if model is None:
        raise UnknownModelGroupError(
            f"ModelPackageGroupName {change.group!r} is not a group of this platform "
            f"({NAMING_ENVIRONMENT} groups: {settings.groups!r})"
        )
    pipeline = settings.pipeline_of(model)
    if change.approval_status == "Approved":
        promotion = Promotion(pipeline, change.arn, client_request_token(change.arn))
        return Decision(Action.PROMOTE, change.group, change.arn, promotion)
    if change.approval_status == "Rejected":
        return Decision(Action.RECORD_REJECTION, change.group, change.arn)
    return Decision(Action.IGNORE, change.group, change.arn)


def start_promotion(codepipeline: Any, promotion: Promotion) -> dict[str, str]:
    """Start ``promotion.pipeline`` for the package; the started execution's id and pipeline.
    A pipeline that does not exist raises ``UnknownModelGroupError`` (nothing started)."""
    try:
        response = codepipeline.start_pipeline_execution(
            name=promotion.pipeline,
            variables=[{"name": MODEL_PACKAGE_VARIABLE, "value": promotion.model_package_arn}],
            clientRequestToken=promotion.client_request_token,
        )
    except codepipeline.exceptions.PipelineNotFoundException:
        raise UnknownModelGroupError(
            f"{promotion.model_package_arn} was approved, but its promotion pipeline {promotion.pipeline!r} "
            "does not exist: deploy the model's dev stack, then redrive the event"
        ) from None
    return {"pipeline": promotion.pipeline, "execution_id": response["pipelineExecutionId"]}
