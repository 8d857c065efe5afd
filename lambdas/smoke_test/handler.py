"""Smoke test (dev → staging): the staging endpoint answers sample requests correctly and fast enough.

Contract (``lambdas/smoke_test/handler.py:handler``):

- **Invoked by** the promotion pipeline's *Test* stage (CodePipeline Lambda invoke
  action), after the staging deploy. Event: ``{"CodePipeline.job": {"id": ...,
  "data": {"actionConfiguration": {"configuration": {"UserParameters": "<JSON>"}}}}}``;
  ``UserParameters`` (``smoke_test_job.SmokeTestRequest``, no other keys):
  ``{"model_package_arn": "#{variables.ModelPackageArn}", "model_name": "credit-risk",
  "endpoint_name": ..., "samples": 50, "max_error_rate": 0.0, "max_p95_latency_ms": 500}``
  (the last three from ``models[].serving.smoke_test``).
- **Environment:** ``SMOKE_TESTER_ROLE_ARN``: staging's smoke-tester role.
- **Reads** ``lambdas/smoke_test/samples/<model_name>.csv`` from the job's ``Source``
  input artifact (the promoted commit; see ``smoke_samples``) with the job's
  ``artifactCredentials``: a model without one, or a job without that artifact, fails
  the job with a ``ConfigurationError``. **Ships** ``codepipeline_job`` from
  ``lambdas/shared`` (the job's plumbing), and no samples.
- **IAM:** ``sts:AssumeRole`` on the smoke-tester role (which trusts this
  function's role and allows ``sagemaker:InvokeEndpoint`` on
  ``arn:aws:sagemaker:<region>:<staging>:endpoint/<endpoint, lower case>``);
  ``codepipeline:PutJobSuccessResult`` and ``PutJobFailureResult`` (``*``: no
  resource-level permissions). Timeout: minutes (5 is plenty for 1000 samples at
  sane latencies); the test stops ``MARGIN_SECONDS`` before it to report.
- **Does:** sends ``samples`` requests one by one, then judges them
  (``smoke_verdict``): each answer must be one prediction, a probability in [0, 1],
  with the ``model_version`` that answered (``endpoint_probe.response_error``); error rate
  at most ``max_error_rate``; p95 latency at most ``max_p95_latency_ms``.
  Passed → ``PutJobSuccessResult`` with the summary and the output variables
  ``SampleCount``, ``ErrorRate``, ``P95LatencyMs``. Failed → ``PutJobFailureResult``
  (``JobFailed``) with the summary: counts, rates, latency, the failed checks and
  the most frequent errors. Bad parameters → ``ConfigurationError`` before any call.
- **Raises** only when the event has no job id (nothing to answer) or when
  CodePipeline cannot be told the outcome.
- **Returns** ``{"outcome": "passed" | "failed", "job_id", "summary"}``.
"""

import os
import time
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from codepipeline_job import Answer, answer_job, parameters_of
from endpoint_probe import probe, staging_runtime
from smoke_samples import MissingSamplesError, load_payloads, read_source_archive
from smoke_test_job import SmokeTestRequest
from smoke_verdict import Thresholds, evaluate

# Time kept back from the function's timeout to report to CodePipeline.
MARGIN_SECONDS = 20

logger = Logger()
tracer = Tracer()


@cache
def _codepipeline() -> Any:
    return boto3.client("codepipeline")


@cache
def _sts() -> Any:
    return boto3.client("sts")


def _source_archive(event: dict[str, Any]) -> bytes:
    """The job's Source artifact, read with the credentials CodePipeline gives the job."""
    data = event["CodePipeline.job"]["data"]
    credentials = data.get("artifactCredentials") or {}
    s3 = boto3.client(
        "s3",
        aws_access_key_id=credentials.get("accessKeyId"),
        aws_secret_access_key=credentials.get("secretAccessKey"),
        aws_session_token=credentials.get("sessionToken"),
    )
    return read_source_archive(s3, data)


def _smoke_tester_role_arn() -> str:
    role_arn = os.environ.get("SMOKE_TESTER_ROLE_ARN")
    if not role_arn:
        raise RuntimeError("SMOKE_TESTER_ROLE_ARN is not set")
    return role_arn


def _smoke_test(event: dict[str, Any], job_id: str, context: LambdaContext) -> Answer:
    request = parameters_of(event, SmokeTestRequest)
    payloads = load_payloads(_source_archive(event), request.model_name, request.samples)
    runtime = staging_runtime(
        _sts(),
        _smoke_tester_role_arn(),
        session_name=f"smoke-test-{job_id}",
        read_timeout_seconds=2 * request.max_p95_latency_ms / 1000,
    )
    stop_at = time.perf_counter() + context.get_remaining_time_in_millis() / 1000 - MARGIN_SECONDS
    observations = probe(runtime, request.endpoint_name, payloads, stop_at=stop_at)
    thresholds = Thresholds(request.samples, request.max_error_rate, request.max_p95_latency_ms)
    verdict = evaluate(observations, thresholds)
    summary = verdict.summary(f"{request.endpoint_name} ({request.model_package_arn.split(':')[-1]})", thresholds)
    logger.info(
        "smoke test passed" if verdict.passed else "smoke test failed",
        extra={"summary": summary, "model_package_arn": request.model_package_arn},
    )
    if not verdict.passed:
        return Answer(False, summary)
    variables = {
        "SampleCount": str(verdict.sent),
        "ErrorRate": f"{verdict.error_rate:.4f}",
        "P95LatencyMs": f"{verdict.p95_latency_ms:.0f}",
    }
    return Answer(True, summary, variables)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    job_id, answer = answer_job(
        event,
        lambda job_id: _smoke_test(event, job_id, context),
        codepipeline=_codepipeline,
        logger=logger,
        configuration_errors=(MissingSamplesError,),
    )
    return {"outcome": "passed" if answer.succeeded else "failed", "job_id": job_id, "summary": answer.summary}
