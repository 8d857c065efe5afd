"""The model registry as lineage reads it: versions, the lineage the build wrote on them, and
where the deployment recorder says each one was deployed.

A version's ``CustomerMetadataProperties`` hold the build's lineage
(``pipelines_src.model_build.steps.register.METADATA_KEYS`` and, for a build that read a feature
group, ``feature_store.snapshot_files.LINEAGE_KEYS``) and, per stage, the last deployment of it
(``deployment.<stage>.account|endpoint|time|pipeline-execution``, written by
``lambdas/deployment_recorder``). Its ``ModelMetrics`` name the evaluation, bias and
explainability reports; ``DriftCheckBaselines`` the monitoring baseline.

Approval: ``ApprovalDescription`` survives later updates, but ``LastModifiedBy`` and
``LastModifiedTime`` belong to the last UpdateModelPackage, and the deployment recorder updates
every version it records. So they name the approver and the approval time only while the version
carries no deployment record; afterwards the registry can only say the approval came before the
first recorded deployment (``CheckApproval`` refuses an unapproved version), and the approver is
found in CloudTrail (``approvals``).
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from pipelines_src.feature_store import snapshot_files
from pipelines_src.governance.errors import VersionNotFoundError
from pipelines_src.governance.times import as_utc, iso, parse_utc
from pipelines_src.model_build.steps import register
from pipelines_src.monitoring.versions import execution_id

# Written by lambdas/deployment_recorder/deployment_record.py (deployment_entries).
DEPLOYMENT_PREFIX = "deployment."
# Versions read to rebuild an endpoint's deployment history, newest first.
MAX_VERSIONS = 100


@dataclass(frozen=True)
class Deployment:
    """A version's last recorded deployment to one stage."""

    model_package_arn: str
    stage: str
    account: str
    endpoint: str
    time: datetime
    pipeline_execution: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "account": self.account,
            "endpoint": self.endpoint,
            "time": iso(self.time),
            "promotion_execution": self.pipeline_execution,
        }


def deployments_of(package: Mapping[str, Any]) -> list[Deployment]:
    """The deployments recorded on a described version, one per stage; incomplete records are skipped."""
    metadata = package.get("CustomerMetadataProperties") or {}
    stages = sorted({key.split(".")[1] for key in metadata if key.startswith(DEPLOYMENT_PREFIX) and key.count(".") == 2})
    found = []
    for stage in stages:
        entry = {field: metadata.get(f"{DEPLOYMENT_PREFIX}{stage}.{field}") for field in ("account", "endpoint", "time")}
        if not all(entry.values()):
            continue
        try:
            moment = parse_utc(entry["time"], field=f"{DEPLOYMENT_PREFIX}{stage}.time")
        except ValueError:
            continue
        found.append(Deployment(package["ModelPackageArn"], stage, entry["account"], entry["endpoint"], moment,
                                metadata.get(f"{DEPLOYMENT_PREFIX}{stage}.pipeline-execution")))
    return found


def _user(context: Mapping[str, Any] | None) -> str | None:
    """Who a SageMaker UserContext names: the IAM identity, else the Studio user profile."""
    if not context:
        return None
    identity = context.get("IamIdentity") or {}
    return identity.get("Arn") or context.get("UserProfileArn") or context.get("UserProfileName")


def approval_of(package: Mapping[str, Any]) -> dict[str, Any]:
    """What the registry says about a version's approval (module docstring: when it names the approver)."""
    deployments = deployments_of(package)
    status = package.get("ModelApprovalStatus")
    approval: dict[str, Any] = {
        "status": status,
        "description": package.get("ApprovalDescription"),
        "by": None,
        "at": None,
        "approved_before": None,
        "source": None,
        "last_modified_by": _user(package.get("LastModifiedBy")),
        "last_modified_at": iso(package.get("LastModifiedTime")),
    }
    if status != "Approved":
        return approval
    if not deployments:
        approval["by"], approval["at"] = approval["last_modified_by"], approval["last_modified_at"]
        approval["source"] = "the registry's LastModifiedBy"
        return approval
    approval["approved_before"] = iso(min(deployment.time for deployment in deployments))
    approval["note"] = (
        "the deployment recorder updated this version after its approval, so the registry no longer names the "
        "approver; CloudTrail's UpdateModelPackage event with modelApprovalStatus Approved does"
    )
    return approval


def _uri(metrics: Mapping[str, Any], *path: str) -> str | None:
    node: Any = metrics
    for name in path:
        node = node.get(name) if isinstance(node, Mapping) else None
    return node if isinstance(node, str) else None


def version_lineage(package: Mapping[str, Any]) -> dict[str, Any]:
    """A described version's lineage: the build, its data, its reports, its approval and deployments."""
    metadata = package.get("CustomerMetadataProperties") or {}
    metrics = package.get("ModelMetrics") or {}
    baselines = package.get("DriftCheckBaselines") or {}
    snapshot = {key: metadata[key] for key in snapshot_files.LINEAGE_KEYS if key in metadata}
    execution_arn = metadata.get(register.PIPELINE_EXECUTION)
    return {
        "arn": package["ModelPackageArn"],
        "group": package.get("ModelPackageGroupName"),
        "version": package.get("ModelPackageVersion"),
        "description": package.get("ModelPackageDescription"),
        "created": iso(package.get("CreationTime")),
        "created_by": _user(package.get("CreatedBy")),
        "answers_as": execution_id(package),
        "approval": approval_of(package),
        "build": {
            "pipeline_execution": execution_arn,
            "trigger_reason": metadata.get(register.TRIGGER_REASON),
            "git_commit": metadata.get(register.GIT_COMMIT),
        },
        "data": {
            "digest": metadata.get(register.DATA_DIGEST),
            "feature_encoding": metadata.get(register.FEATURE_ENCODING),
            "feature_snapshot": snapshot or None,
        },
        "reports": {
            "evaluation": _uri(metrics, "ModelQuality", "Statistics", "S3Uri"),
            "bias": _uri(metrics, "Bias", "Report", "S3Uri"),
            "explainability": _uri(metrics, "Explainability", "Report", "S3Uri"),
            "baseline_statistics": _uri(baselines, "ModelDataQuality", "Statistics", "S3Uri"),
            "baseline_constraints": _uri(baselines, "ModelDataQuality", "Constraints", "S3Uri"),
        },
        "deployments": [deployment.to_json() for deployment in deployments_of(package)],
    }


def group_arn_of(package: Mapping[str, Any]) -> str:
    """The ARN of a described version's group (the version's ARN names it in lower case only)."""
    _, partition, service, region, account, _ = package["ModelPackageArn"].split(":", 5)
    return f"arn:{partition}:{service}:{region}:{account}:model-package-group/{package['ModelPackageGroupName']}"


class Registry:
    """Reads versions from one registry (dev's; a group in another account is named by ARN)."""

    def __init__(self, sagemaker: Any) -> None:
        self._sagemaker = sagemaker
        self._described: dict[str, dict[str, Any]] = {}
        self._groups: dict[str, list[dict[str, Any]]] = {}

    def describe(self, arn: str) -> dict[str, Any]:
        if arn not in self._described:
            try:
                self._described[arn] = self._sagemaker.describe_model_package(ModelPackageName=arn)
            except ClientError as error:
                if error.response["Error"]["Code"] in ("ValidationException", "ResourceNotFound"):
                    raise VersionNotFoundError(f"model package version {arn} not found in the registry") from None
                raise
        return self._described[arn]

    def versions(self, group_arn: str) -> list[dict[str, Any]]:
        """The group's newest ``MAX_VERSIONS`` versions, described, newest first."""
        if group_arn not in self._groups:
            self._groups[group_arn] = [self.describe(arn) for arn in self._arns(group_arn)]
        return self._groups[group_arn]

    def _arns(self, group_arn: str) -> Iterator[str]:
        pages = self._sagemaker.get_paginator("list_model_packages").paginate(
            ModelPackageGroupName=group_arn, SortBy="CreationTime", SortOrder="Descending"
        )
        count = 0
        for page in pages:
            for summary in page.get("ModelPackageSummaryList", []):
                yield summary["ModelPackageArn"]
                count += 1
                if count == MAX_VERSIONS:
                    return

    def answering_as(self, group_arn: str, version: str) -> dict[str, Any] | None:
        """The newest version of the group that answers as ``version`` (its build execution id)."""
        return next((package for package in self.versions(group_arn) if execution_id(package) == version), None)

    def deployments_to(self, group_arn: str, account: str, endpoint: str) -> list[Deployment]:
        """The recorded deployments of the group's versions to ``endpoint`` in ``account``, oldest first."""
        found = [
            deployment
            for package in self.versions(group_arn)
            for deployment in deployments_of(package)
            if deployment.account == account and deployment.endpoint == endpoint
        ]
        return sorted(found, key=lambda deployment: as_utc(deployment.time))
