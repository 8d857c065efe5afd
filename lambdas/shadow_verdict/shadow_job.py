"""The shadow verdict's job: the parameters its CodePipeline action sends, and the wait it keeps.

CodePipeline re-invokes a Lambda action that answers "in progress" (a success with a
continuation token) until it answers without one, for up to 24 hours, as long as each
answer comes within 20 minutes. The first invocation starts the period and answers with
the token ``{"started": "<UTC time>"}``; later ones answer with the same token until
``duration_minutes`` have passed since then, and the one after that judges the period.
"""

import json
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

PACKAGE_ARN = r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]{9,16}:\d{12}:model-package/[a-z0-9](-*[a-z0-9]){0,62}/[1-9]\d*$"
# What the approval check names as the shadow when no version was served in prod before this one.
NO_SHADOW = "none"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


class ShadowVerdictRequest(BaseModel):
    """The action's ``UserParameters`` (JSON); thresholds are ``models[].serving.prod.shadow``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_package_arn: str = Field(pattern=PACKAGE_ARN)
    # The version the shadow variant serves (``#{ProdApproval.ShadowModelPackageArn}``), or "none".
    shadow_model_package_arn: str = Field(pattern=f"{PACKAGE_ARN}|^{NO_SHADOW}$")
    endpoint_name: str = Field(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
    # The Endpoint stack's variant names (stacks/components/realtime_endpoint.py).
    production_variant: str = Field(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
    shadow_variant: str = Field(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
    duration_minutes: int = Field(ge=10, le=1320)
    min_samples: int = Field(ge=1)
    max_disagreement_rate: float = Field(ge=0, le=1)
    max_score_delta: float = Field(gt=0, le=1)
    max_p95_latency_ratio: float = Field(ge=1)


class BadContinuationError(ValueError):
    pass


def continuation_token(started: datetime) -> str:
    return json.dumps({"started": started.astimezone(UTC).strftime(TIME_FORMAT)})


def started_at(token: str) -> datetime:
    """When the period of ``token`` (one this function gave) started."""
    try:
        return datetime.strptime(json.loads(token)["started"], TIME_FORMAT).replace(tzinfo=UTC)
    except (ValueError, TypeError, KeyError):
        raise BadContinuationError(f"not a continuation token of the shadow verdict: {token[:80]!r}") from None


def period_end(started: datetime, duration_minutes: int) -> datetime:
    return started + timedelta(minutes=duration_minutes)
