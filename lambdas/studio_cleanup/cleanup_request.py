"""The CloudFormation custom resource requests this function answers.

``CleanupRequest`` is the envelope CloudFormation sends (Create, Update or
Delete) with the properties left raw, so that a request whose properties are
invalid can still be answered; ``CleanupProperties`` validates them.
"""

from typing import Annotated, Any, Literal

from aws_lambda_powertools.utilities.parser.models import CloudFormationCustomResourceBaseModel
from pydantic import BaseModel, ConfigDict, Field


class CleanupRequest(CloudFormationCustomResourceBaseModel):
    request_type: Literal["Create", "Update", "Delete"] = Field(alias="RequestType")
    # Kept byte for byte: it is a presigned URL, and URL normalization would break its signature.
    response_url: str = Field(alias="ResponseURL", pattern=r"^https://")  # type: ignore[assignment]
    # Absent on Create: CloudFormation learns it from the answer.
    physical_resource_id: str | None = Field(None, alias="PhysicalResourceId")
    resource_properties: dict[str, Any] = Field(default_factory=dict, alias="ResourceProperties")


class CleanupProperties(BaseModel):
    """``DomainId``: the Studio domain to clean. CloudFormation adds ``ServiceToken`` and
    ``ServiceTimeout`` to every request's properties; they are ignored."""

    model_config = ConfigDict(extra="ignore")

    domain_id: Annotated[str, Field(alias="DomainId", pattern=r"^d-[a-z0-9]+$", max_length=63)]
