"""The two events this function accepts: a schedule tick, and a transform job's state change.

- ``ScheduleTick``: EventBridge Scheduler's input, ``{"scheduled_time": "<aws.scheduler.scheduled-time>"}``
  (an ISO 8601 UTC time such as ``2026-12-01T02:00:00Z``), nothing else;
- ``TransformJobStateChangeEvent``: SageMaker's ``SageMaker Transform Job State Change`` from
  ``aws.sagemaker``, whose ``detail`` describes the job (only its name and status are typed).

Anything else is malformed: the handler refuses it before any call.
"""

from datetime import datetime, timezone
from typing import Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, ConfigDict, Field, field_validator

JOB_NAME = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
TransformJobStatus = Literal["InProgress", "Completed", "Failed", "Stopping", "Stopped"]


class ScheduleTick(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    scheduled_time: datetime

    @field_validator("scheduled_time")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("scheduled_time must carry its zone (Scheduler sends UTC, e.g. 2026-12-01T02:00:00Z)")
        return value.astimezone(timezone.utc)


class TransformJobStateChange(BaseModel):
    job_name: str = Field(alias="TransformJobName", pattern=JOB_NAME)
    status: TransformJobStatus = Field(alias="TransformJobStatus")


class TransformJobStateChangeEvent(EventBridgeModel):
    source: Literal["aws.sagemaker"]
    detail_type: Literal["SageMaker Transform Job State Change"] = Field(alias="detail-type")
    detail: TransformJobStateChange
