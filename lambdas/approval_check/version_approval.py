"""Whether a model version may be deployed: approved, and a version of the model's own group.

The promotion pipeline checks this right before each deploy. The version's status
is read at that moment, so a version rejected after the pipeline started (for
instance while it waited at the manual approval for prod) is refused. A cleared
version also names its data-quality baseline (``DriftCheckBaselines.ModelDataQuality``),
which the deploy hands to the endpoint's monitors; with ``require_baselines`` a
version without one is refused.
"""

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from served_version import candidate_variables, served_version

APPROVED = "Approved"
# Output variable of the action → file of DriftCheckBaselines.ModelDataQuality it names.
BASELINE_VARIABLES = {"StatisticsUri": "Statistics", "ConstraintsUri": "Constraints"}
PACKAGE_ARN = r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]{9,16}:\d{12}:model-package/[a-z0-9](-*[a-z0-9]){0,62}/[1-9]\d*$"


class ApprovalCheck(BaseModel):
    """The action's ``UserParameters`` (JSON)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_package_arn: str = Field(pattern=PACKAGE_ARN)
    model_package_group_name: str = Field(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
    stage: Literal["staging", "prod"]
    # Set for models whose endpoint carries Model Monitor schedules: they cannot run without a baseline.
    require_baselines: StrictBool = False
    # Set for a prod release with a candidate beside the served version (shadow, A/B): the clearance
    # also names the version the stage serves now (``served_version``).
    find_served: StrictBool = False


@dataclass(frozen=True)
class Clearance:
    """A cleared version: the one-line summary, and the CodePipeline output variables of the action
    (``StatisticsUri`` and ``ConstraintsUri``, each only when the version registered that baseline file)."""

    summary: str
    variables: dict[str, str]


class VersionRefusedError(ValueError):
    """The version must not be deployed; the message says why."""


def group_in_arn(model_package_arn: str) -> str:
    """``arn:...:model-package/<group, lower case>/<version>`` → the group."""
    return model_package_arn.split(":", 5)[5].split("/")[1]


def account_in_arn(model_package_arn: str) -> str:
    return model_package_arn.split(":")[4]


def refusal(check: ApprovalCheck, version: dict[str, Any], registry_account: str) -> str | None:
    """Why ``version`` (a DescribeModelPackage answer for ``check.model_package_arn``) must not
    be deployed to ``check.stage``, or ``None`` when it may. ``registry_account`` is the
    account whose registry the pipeline promotes from."""
    arn, group = check.model_package_arn, check.model_package_group_name
    if account_in_arn(arn) != registry_account:
        return f"{arn} is not in the registry of account {registry_account}"
    # SageMaker lower-cases names inside ARNs but answers with the group's own spelling.
    if group_in_arn(arn) != group.lower():
        return f"{arn} is not a version of the model package group {group}"
    described_group = version.get("ModelPackageGroupName")
    if described_group != group:
        return f"{arn} belongs to the model package group {described_group!r}, not {group}"
    status = version.get("ModelApprovalStatus")
    if status != APPROVED:
        return f"{arn} is {status or 'without an approval status'}, not {APPROVED}: it is not deployed to {check.stage}"
    return None


def baseline_uris(version: dict[str, Any]) -> dict[str, str]:
    """The output variables naming ``version``'s data-quality baseline files, those it registered."""
    quality = (version.get("DriftCheckBaselines") or {}).get("ModelDataQuality") or {}
    uris = {variable: (quality.get(field) or {}).get("S3Uri") for variable, field in BASELINE_VARIABLES.items()}
    return {variable: uri for variable, uri in uris.items() if uri}


def check_approval(sagemaker: Any, check: ApprovalCheck, registry_account: str) -> Clearance:
    """Describe the version and raise ``VersionRefusedError`` unless it may be deployed; its
    clearance when it may."""
    version = sagemaker.describe_model_package(ModelPackageName=check.model_package_arn)
    reason = refusal(check, version, registry_account)
    if reason:
        raise VersionRefusedError(reason)
    variables = baseline_uris(version)
    if check.require_baselines and len(variables) < len(BASELINE_VARIABLES):
        raise VersionRefusedError(
            f"{check.model_package_arn} has no DriftCheckBaselines.ModelDataQuality statistics and constraints: "
            f"its endpoint's Model Monitor schedules need them, so it is not deployed to {check.stage}"
        )
    summary = f"{check.model_package_arn} is {APPROVED} in {check.model_package_group_name}: cleared for {check.stage}"
    if check.find_served:
        served = served_version(sagemaker, check.model_package_group_name, check.stage)
        variables = {**variables, **candidate_variables(check.model_package_arn, served)}
        summary += f"; {check.stage} serves {served or 'no version yet'}"
    return Clearance(summary=summary, variables=variables)
