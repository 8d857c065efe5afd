"""The one event this function accepts: SageMaker's ``Model Building Pipeline Execution Status Change``.

SageMaker sends it on dev's default bus whenever a pipeline execution changes status; the rule
passes on only the end of a build pipeline's execution (``Succeeded`` or ``Failed``). Only the
fields the logger needs are typed. An execution ARN that is not an execution of the event's
pipeline, or not in the event's account and region, is malformed: logging it could attach a run
to the wrong build.
"""

from typing import Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, Field, model_validator

PIPELINE_ARN = r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]{9,16}:\d{12}:pipeline/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$"
EXECUTION_ID = r"[a-z0-9]{1,64}"


class PipelineExecutionStatusChange(BaseModel):
    pipeline_arn: str = Field(alias="pipelineArn", pattern=PIPELINE_ARN)
    execution_arn: str = Field(alias="pipelineExecutionArn", pattern=rf"^arn:.*/execution/{EXECUTION_ID}$")
    status: Literal["Succeeded", "Failed"] = Field(alias="currentPipelineExecutionStatus")

    @property
    def pipeline_name(self) -> str:
        return self.pipeline_arn.rsplit("/", 1)[1]

    @property
    def execution_id(self) -> str:
        return self.execution_arn.rsplit("/", 1)[1]

    @model_validator(mode="after")
    def _execution_of_the_pipeline(self) -> "PipelineExecutionStatusChange":
        if self.execution_arn.lower() != f"{self.pipeline_arn}/execution/{self.execution_id}".lower():
            raise ValueError(f"pipelineExecutionArn {self.execution_arn!r} is not an execution of {self.pipeline_arn!r}")
        return self


class PipelineExecutionStatusChangeEvent(EventBridgeModel):
    source: Literal["aws.sagemaker"]
    account: str = Field(pattern=r"^\d{12}$")
    region: str
    detail_type: Literal["SageMaker Model Building Pipeline Execution Status Change"] = Field(alias="detail-type")
    detail: PipelineExecutionStatusChange

    @model_validator(mode="after")
    def _pipeline_in_the_sending_account(self) -> "PipelineExecutionStatusChangeEvent":
        _, _, _, region, account, _ = self.detail.pipeline_arn.split(":", 5)
        if (account, region) != (self.account, self.region):
            raise ValueError(f"pipelineArn is in {account}/{region}, the event came from {self.account}/{self.region}")
        return self
