"""Calling the staging endpoint: through staging's smoke-tester role, one request per sample.

``staging_runtime`` assumes the role (the session name carries the CodePipeline
job id, so staging's CloudTrail shows which promotion called) and returns a
SageMaker runtime client that never retries: a throttled or failed call must
count as an error, not hide behind a retry. ``probe`` sends the payloads one at
a time (``text/csv``: one raw record, the contract's input columns in order;
``Accept: application/json``) and times each round trip from this function, the
latency a client in the same region sees. It stops early when
``stop_at`` (on ``clock``) is reached, so the function can still report.
"""

import json
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from smoke_verdict import Observation

CONTENT_TYPE = "text/csv"
ACCEPT = "application/json"
# A response slower than this is an error; it stays well above any sane latency threshold.
MIN_READ_TIMEOUT_SECONDS = 10
QUOTED_BODY = 80


def staging_runtime(sts: Any, role_arn: str, session_name: str, read_timeout_seconds: float) -> Any:
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name[:64])["Credentials"]
    return boto3.client(
        "sagemaker-runtime",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        config=Config(
            retries={"total_max_attempts": 1, "mode": "standard"},
            connect_timeout=5,
            read_timeout=max(MIN_READ_TIMEOUT_SECONDS, read_timeout_seconds),
        ),
    )


def response_error(body: str) -> str | None:
    """Why ``body`` is not the endpoint's answer to one record, ``{"predictions": [{"probability": p}],
    "model_version": "<version>"}`` with p in [0, 1]; None when it is."""
    quoted = repr(body.strip()[:QUOTED_BODY])
    try:
        answer = json.loads(body)
    except ValueError:
        return f"not JSON: {quoted}"
    predictions = answer.get("predictions") if isinstance(answer, dict) else None
    if not isinstance(predictions, list) or len(predictions) != 1 or not isinstance(predictions[0], dict):
        return f"expected one prediction, got {quoted}"
    probability = predictions[0].get("probability")
    if isinstance(probability, bool) or not isinstance(probability, (int, float)):
        return f"probability is not a number: {quoted}"
    if not 0.0 <= probability <= 1.0:
        return f"probability out of [0, 1]: {probability}"
    if not isinstance(answer.get("model_version"), str) or not answer["model_version"]:
        return f"no model_version: {quoted}"
    return None


def probe(
    runtime: Any,
    endpoint_name: str,
    payloads: Sequence[str],
    *,
    clock: Callable[[], float] = time.perf_counter,
    stop_at: float = math.inf,
) -> list[Observation]:
    observations = []
    for payload in payloads:
        if clock() >= stop_at:
            break
        started = clock()
        try:
            response = runtime.invoke_endpoint(
                EndpointName=endpoint_name, ContentType=CONTENT_TYPE, Accept=ACCEPT, Body=payload
            )
            error = response_error(response["Body"].read().decode("utf-8", errors="replace"))
        except ClientError as failure:
            details = failure.response["Error"]
            error = f"{details.get('Code')}: {details.get('Message')}"
        except BotoCoreError as failure:
            error = f"{type(failure).__name__}: {failure}"
        observations.append(Observation(latency_ms=(clock() - started) * 1000, error=error))
    return observations
