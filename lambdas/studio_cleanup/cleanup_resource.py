"""What the custom resource answers CloudFormation, request by request.

- Create and Update: SUCCESS, the domain id as physical id; nothing is touched.
- Delete: ``clean`` the domain's apps and spaces; SUCCESS with how many were
  deleted, or FAILED with the reason (what is left, or the refused call), which
  CloudFormation shows in the stack's events.
- Invalid properties: FAILED without any call, except on Delete, which answers
  SUCCESS without any call: a resource that never named a valid domain has
  nothing to clean, and failing would block the stack's deletion or rollback.
"""

from collections.abc import Callable

from pydantic import ValidationError

from cfn_response import Answer
from cleanup_request import CleanupProperties, CleanupRequest
from domain_cleanup import CleanupError, CleanupReport

# Physical id of a resource whose Create was refused; its Delete then has nothing to clean.
NOT_CREATED = "studio-cleanup-not-created"


def answer(request: CleanupRequest, clean: Callable[[str], CleanupReport]) -> Answer:
    physical_id = request.physical_resource_id or NOT_CREATED
    try:
        properties = CleanupProperties.model_validate(request.resource_properties)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, problem['loc'])) or 'ResourceProperties'}: {problem['msg']}"
            for problem in error.errors()
        )
        if request.request_type == "Delete":
            return Answer("SUCCESS", physical_id, reason=f"nothing to clean, the properties name no domain: {problems}")
        return Answer("FAILED", physical_id, reason=f"invalid properties: {problems}")
    domain_id = properties.domain_id
    if request.request_type != "Delete":
        return Answer("SUCCESS", domain_id, data={"DomainId": domain_id})
    try:
        report = clean(domain_id)
    except CleanupError as error:
        return Answer("FAILED", physical_id, reason=f"Studio domain {domain_id} still has apps or spaces: {error}")
    return Answer(
        "SUCCESS",
        physical_id,
        reason=f"deleted {report.apps_deleted} app(s) and {report.spaces_deleted} space(s) of {domain_id}",
        data={"AppsDeleted": str(report.apps_deleted), "SpacesDeleted": str(report.spaces_deleted)},
    )
