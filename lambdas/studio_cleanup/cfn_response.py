"""Answering CloudFormation: the custom resource response, PUT to the request's presigned URL.

CloudFormation waits for this answer (up to the resource's service timeout), so
``respond`` is the one thing the function must always do for a valid request.
"""

import json
import urllib.request
from dataclasses import dataclass, field
from typing import Literal

# The whole response must stay under 4096 bytes; the reason is the only unbounded part.
MAX_REASON_CHARACTERS = 2000
TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Answer:
    status: Literal["SUCCESS", "FAILED"]
    physical_resource_id: str
    reason: str = ""
    data: dict[str, str] = field(default_factory=dict)


def response_body(answer: Answer, *, stack_id: str, request_id: str, logical_resource_id: str) -> dict[str, object]:
    reason = answer.reason
    if len(reason) > MAX_REASON_CHARACTERS:
        reason = reason[: MAX_REASON_CHARACTERS - 3] + "..."
    return {
        "Status": answer.status,
        "Reason": reason or answer.status,
        "PhysicalResourceId": answer.physical_resource_id,
        "StackId": stack_id,
        "RequestId": request_id,
        "LogicalResourceId": logical_resource_id,
        "Data": answer.data,
    }


def put_response(url: str, body: dict[str, object]) -> None:
    """PUT ``body`` to the presigned S3 URL; S3 signs no content type, so none is sent."""
    payload = json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=payload, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(payload))}
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (https URL from CloudFormation)
        response.read()
