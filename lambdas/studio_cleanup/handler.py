"""Lambda entry point of the Studio cleanup custom resource: CloudFormation request → answer.

CloudFormation invokes the function asynchronously and waits for the answer at
the request's ``ResponseURL``, so every valid request is answered, also when the
cleanup fails or something unexpected breaks (FAILED, with the reason). The
cleanup stops ``MARGIN_SECONDS`` before the function's own timeout to answer in
time. An event that is not a CloudFormation request cannot be answered: it is
logged and dropped without any call. See ``cleanup_resource`` for the answers.
"""

import time
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.parser import ValidationError, parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from cfn_response import Answer, put_response, response_body
from cleanup_request import CleanupRequest
from cleanup_resource import NOT_CREATED, answer
from domain_cleanup import clean_domain

MARGIN_SECONDS = 60

logger = Logger()
tracer = Tracer()


@cache
def _sagemaker() -> Any:
    return boto3.client("sagemaker")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object] | None:
    try:
        request = parse(event=event, model=CleanupRequest)
    except ValidationError as error:
        problems = [f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}" for problem in error.errors()]
        logger.error("dropped: not a CloudFormation custom resource request", extra={"problems": problems})
        return None
    deadline = time.monotonic() + context.get_remaining_time_in_millis() / 1000 - MARGIN_SECONDS
    try:
        result = answer(request, clean=lambda domain_id: clean_domain(_sagemaker(), domain_id, deadline=deadline))
    except Exception as error:  # noqa: BLE001 (CloudFormation must get an answer whatever breaks)
        logger.exception("cleanup broke")
        result = Answer("FAILED", request.physical_resource_id or NOT_CREATED, reason=f"unexpected error: {error!r}")
    body = response_body(
        result,
        stack_id=request.stack_id,
        request_id=request.request_id,
        logical_resource_id=request.logical_resource_id,
    )
    logger.info("answered", extra={"request_type": request.request_type, **body})
    put_response(request.response_url, body)
    return body
