"""Who approved a version and when, from CloudTrail, once the registry no longer says (``registry``).

The approval is the ``UpdateModelPackage`` call in the registry's account that set the version's
``modelApprovalStatus`` to ``Approved``: the latest such call between the version's registration
and its first recorded deployment (``CheckApproval`` lets only an approved version deploy).
LookupEvents reaches back 90 days; older approvals, or a caller without
``cloudtrail:LookupEvents``, leave the approver unknown, said in a note, never guessed.
"""

import json
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from pipelines_src.governance.times import iso, parse_utc

EVENT_NAME = "UpdateModelPackage"


def approval_event(cloudtrail: Any, package_arn: str, registered: datetime, deployed: datetime) -> dict[str, Any] | None:
    """``{"by": <caller ARN>, "at": <time>}`` of the approval, None when CloudTrail holds none."""
    pages = cloudtrail.get_paginator("lookup_events").paginate(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": EVENT_NAME}],
        StartTime=registered, EndTime=deployed,
    )
    # LookupEvents lists newest first: the first match is the approval that let the version deploy.
    for page in pages:
        for event in page.get("Events", []):
            try:
                detail = json.loads(event["CloudTrailEvent"])
            except (KeyError, TypeError, ValueError):
                continue
            request = detail.get("requestParameters") or {}
            if request.get("modelPackageArn") == package_arn and request.get("modelApprovalStatus") == "Approved":
                identity = detail.get("userIdentity") or {}
                return {"by": identity.get("arn") or identity.get("principalId"),
                        "at": iso(parse_utc(detail["eventTime"], field="eventTime"))}
    return None


def complete_approval(cloudtrail: Any | None, version: dict[str, Any], registered: datetime | None) -> None:
    """Fill ``version["approval"]``'s approver from CloudTrail when the registry no longer names it."""
    approval = version["approval"]
    if cloudtrail is None or approval["by"] or not approval["approved_before"] or registered is None:
        return
    deployed = parse_utc(approval["approved_before"], field="approved_before")
    try:
        found = approval_event(cloudtrail, version["arn"], registered, deployed)
    except ClientError as error:
        approval["note"] = f"the approver is in CloudTrail, which could not be read: {error.response['Error']['Code']}"
        return
    if found is None:
        approval["note"] = ("CloudTrail holds no UpdateModelPackage approving this version before its first "
                            "deployment (LookupEvents reaches back 90 days)")
        return
    approval.update(found, source=f"CloudTrail {EVENT_NAME}")
    approval.pop("note", None)
