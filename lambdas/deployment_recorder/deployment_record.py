"""A deployment of a model version, noted on the version itself for lineage.

The version's ``CustomerMetadataProperties`` get four entries per stage (the
latest deployment to that stage replaces the previous one's):

- ``deployment.<stage>.account``: the serving account id;
- ``deployment.<stage>.endpoint``: the endpoint name;
- ``deployment.<stage>.time``: when it was recorded (UTC, ISO 8601, seconds);
- ``deployment.<stage>.pipeline-execution``: the promotion pipeline execution id.

Every other entry (the build pipeline's lineage) is kept: ``record_deployment``
reads the version's entries and sends the merged set, which is correct whether
UpdateModelPackage merges or replaces them. SageMaker allows 50 entries.
"""

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_ENTRIES = 50
PACKAGE_ARN = r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]{9,16}:\d{12}:model-package/[a-z0-9](-*[a-z0-9]){0,62}/[1-9]\d*$"


class Deployment(BaseModel):
    """The action's ``UserParameters`` (JSON)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_package_arn: str = Field(pattern=PACKAGE_ARN)
    account: str = Field(pattern=r"^\d{12}$")
    endpoint_name: str = Field(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
    stage: Literal["staging", "prod"]
    # CodePipeline resolves ``#{codepipeline.PipelineExecutionId}`` before invoking.
    pipeline_execution_id: str = Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class TooManyEntriesError(ValueError):
    pass


def deployment_entries(deployment: Deployment, recorded_at: datetime) -> dict[str, str]:
    prefix = f"deployment.{deployment.stage}"
    return {
        f"{prefix}.account": deployment.account,
        f"{prefix}.endpoint": deployment.endpoint_name,
        f"{prefix}.time": recorded_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        f"{prefix}.pipeline-execution": deployment.pipeline_execution_id,
    }


def merged_entries(current: dict[str, str], new: dict[str, str]) -> dict[str, str]:
    merged = {**current, **new}
    if len(merged) > MAX_ENTRIES:
        raise TooManyEntriesError(
            f"the version would carry {len(merged)} CustomerMetadataProperties, SageMaker allows {MAX_ENTRIES}"
        )
    return merged


def record_deployment(sagemaker: Any, deployment: Deployment, recorded_at: datetime) -> dict[str, str]:
    """Note ``deployment`` on its version; the entries written."""
    version = sagemaker.describe_model_package(ModelPackageName=deployment.model_package_arn)
    entries = deployment_entries(deployment, recorded_at)
    sagemaker.update_model_package(
        ModelPackageArn=deployment.model_package_arn,
        CustomerMetadataProperties=merged_entries(version.get("CustomerMetadataProperties", {}), entries),
    )
    return entries
