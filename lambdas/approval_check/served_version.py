"""Which version of a model a stage serves now, read from the deployments the recorder noted.

``deployment_recorder`` writes ``deployment.<stage>.time`` on a version after each successful
deploy to that stage, so the version with the latest such time is the one the stage's endpoint
serves (a failed or rolled-back deploy records nothing). ``served_version`` reads the group's
newest ``MAX_VERSIONS`` versions: a version served longer ago than that many registrations is not
found, and the promotion then treats the stage as serving none.

A release with a candidate beside the served version (``serving.prod.release`` ``shadow`` or
``ab``) deploys the served version with the promoted one as the candidate; ``candidate_variables``
are the check's output variables for that deploy: ``ServedModelPackageArn`` (what the production
variant keeps serving) and ``CandidateModelPackageArn`` (the promoted version, or ``NO_CANDIDATE``
when the stage serves none yet or already serves it: the promoted version is then deployed alone).
"""

from typing import Any

MAX_VERSIONS = 100
NO_CANDIDATE = "none"


def served_version(sagemaker: Any, group: str, stage: str) -> str | None:
    """The ARN of the version of ``group`` last recorded as deployed to ``stage``, if any."""
    key = f"deployment.{stage}.time"
    latest: tuple[str, str] | None = None
    listed = 0
    for page in sagemaker.get_paginator("list_model_packages").paginate(
        ModelPackageGroupName=group, SortBy="CreationTime", SortOrder="Descending"
    ):
        for summary in page["ModelPackageSummaryList"]:
            if listed == MAX_VERSIONS:
                return latest[1] if latest else None
            listed += 1
            arn = summary["ModelPackageArn"]
            recorded = (
                sagemaker.describe_model_package(ModelPackageName=arn).get("CustomerMetadataProperties", {}).get(key)
            )
            if recorded and (latest is None or recorded > latest[0]):
                latest = (recorded, arn)
    return latest[1] if latest else None


def candidate_variables(promoted: str, served: str | None) -> dict[str, str]:
    if served is None or served == promoted:
        return {"ServedModelPackageArn": promoted, "CandidateModelPackageArn": NO_CANDIDATE}
    return {"ServedModelPackageArn": served, "CandidateModelPackageArn": promoted}
