"""The one event this function accepts: a CloudWatch alarm state change forwarded to dev.

Staging and prod forward their monitoring alarms' state changes to dev's default
event bus unchanged, so ``account`` is the serving account the alarm lives in.
"""

from typing import Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, ConfigDict, Field


class AlarmState(BaseModel):
    value: Literal["OK", "ALARM", "INSUFFICIENT_DATA"]
    reason: str = ""


class AlarmStateChange(BaseModel):
    """The part of ``detail`` the decision needs; CloudWatch sends more, which is ignored."""

    model_config = ConfigDict(populate_by_name=True)

    alarm_name: str = Field(alias="alarmName", min_length=1, max_length=255)
    state: AlarmState


class AlarmStateChangeEvent(EventBridgeModel):
    # The event id doubles as StartPipelineExecution's ClientRequestToken (32 to 128 characters).
    id: str = Field(pattern=r"^[0-9a-fA-F-]{32,128}$")
    source: Literal["aws.cloudwatch"]
    account: str = Field(pattern=r"^\d{12}$")
    detail_type: Literal["CloudWatch Alarm State Change"] = Field(alias="detail-type")
    detail: AlarmStateChange
