"""SageMaker's ``Model Package State Change``, as the approval trigger and the model card function accept it.

SageMaker sends it on dev's default bus whenever a versioned model package
changes (registration, approval, rejection, any later update), with the
package's description as ``detail``. Only the fields the decision needs are
typed; the rest is ignored. A package ARN that does not name the event's group,
version and account is malformed: acting on it could promote the wrong model.
"""

from typing import Literal

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parser import ValidationError, parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, Field, model_validator

ApprovalStatus = Literal["Approved", "Rejected", "PendingManualApproval"]

GROUP_NAME = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
# A versioned package: arn:<partition>:sagemaker:<region>:<account>:model-package/<group, lower case>/<version>
PACKAGE_ARN = r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]{9,16}:\d{12}:model-package/[a-z0-9](-*[a-z0-9]){0,62}/[1-9]\d*$"


class ModelPackageStateChange(BaseModel):
    group: str = Field(alias="ModelPackageGroupName", pattern=GROUP_NAME)
    version: int = Field(alias="ModelPackageVersion", ge=1)
    arn: str = Field(alias="ModelPackageArn", pattern=PACKAGE_ARN)
    approval_status: ApprovalStatus = Field(alias="ModelApprovalStatus")
    approval_description: str | None = Field(default=None, alias="ApprovalDescription")

    @property
    def account(self) -> str:
        return self.arn.split(":")[4]

    @model_validator(mode="after")
    def _arn_names_group_and_version(self) -> "ModelPackageStateChange":
        expected = f":model-package/{self.group.lower()}/{self.version}"
        if not self.arn.endswith(expected):
            raise ValueError(f"ModelPackageArn {self.arn!r} is not version {self.version} of group {self.group!r}")
        return self


class ModelPackageStateChangeEvent(EventBridgeModel):
    source: Literal["aws.sagemaker"]
    account: str = Field(pattern=r"^\d{12}$")
    detail_type: Literal["SageMaker Model Package State Change"] = Field(alias="detail-type")
    detail: ModelPackageStateChange

    @model_validator(mode="after")
    def _package_lives_in_the_sending_account(self) -> "ModelPackageStateChangeEvent":
        if self.detail.account != self.account:
            raise ValueError(f"ModelPackageArn is in account {self.detail.account}, the event came from {self.account}")
        return self


def state_change_of(event: dict, logger: Logger, what: str) -> ModelPackageStateChange:
    """The change ``event`` announces; a malformed event is logged as a malformed ``what`` and raises
    ``ValueError`` naming every problem, before the caller acts on anything."""
    try:
        return parse(event=event, model=ModelPackageStateChangeEvent).detail
    except ValidationError as error:
        problems = [f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}" for problem in error.errors()]
        logger.error(f"rejected malformed {what}", extra={"problems": problems})
        raise ValueError(f"malformed SageMaker Model Package State Change event: {'; '.join(problems)}") from None
