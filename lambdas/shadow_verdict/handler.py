"""Shadow verdict (dev → prod): the promoted version, as prod's shadow, agrees with the served one.

Contract (``lambdas/shadow_verdict/handler.py:handler``):

- **Invoked by** the promotion pipeline's *Prod* stage of a model with
  ``serving.prod.release = "shadow"`` (CodePipeline Lambda invoke action ``ShadowVerdict``),
  after ``DeployShadow`` and before the canary switch. Event: ``{"CodePipeline.job": {"id":
  ..., "data": {"actionConfiguration": {"configuration": {"UserParameters": "<JSON>"}},
  "continuationToken": ...}}}``; ``UserParameters`` (``shadow_job.ShadowVerdictRequest``,
  no other keys): ``{"model_package_arn": "#{variables.ModelPackageArn}",
  "shadow_model_package_arn": "#{ProdApproval.ShadowModelPackageArn}", "endpoint_name": ...,
  "production_variant": "AllTraffic", "shadow_variant": "Shadow", "duration_minutes": 60,
  "min_samples": 200, "max_disagreement_rate": 0.02, "max_score_delta": 0.05,
  "max_p95_latency_ratio": 1.5}`` (the thresholds from ``models[].serving.prod.shadow``).
- **Environment:** ``SHADOW_READER_ROLE_ARN`` (prod's shadow-verdict reader) and
  ``CAPTURE_BUCKET_PARAMETER`` (the SSM parameter naming prod's data-capture bucket).
- **Ships** ``codepipeline_job`` from ``lambdas/shared`` (the job's plumbing).
- **IAM:** ``sts:AssumeRole`` on the reader role, which may read that parameter, list and get
  ``data-capture/<platform>-*`` of the capture bucket (decrypting with the serving key) and
  call ``cloudwatch:GetMetricData``; ``codepipeline:PutJobSuccessResult`` and
  ``PutJobFailureResult`` (``*``: no resource-level permissions).
- **Does:** with no shadow (``"none"``: no version was served in prod before this one)
  succeeds at once, nothing to compare. Otherwise waits ``duration_minutes`` from its first
  invocation (answers "in progress" with a continuation token, ``shadow_job``), then reads
  both variants' captures of the period and their p95 ``ModelLatency`` (``prod_reads``) and
  judges (``shadow_verdict``). Agree → ``PutJobSuccessResult`` with the summary and the output
  variables ``PairedRows``, ``DisagreementRate``, ``ScoreDelta``, ``P95LatencyRatio``.
  Disagree or too little traffic → ``PutJobFailureResult`` (``JobFailed``) with the summary
  naming each failed figure and its threshold, or how many rows of how many were paired.
  Bad parameters (or a shadow that is not the promoted version) → ``ConfigurationError``
  before any call to prod.
- **Raises** only when the event has no job id or when CodePipeline cannot be told the outcome.
- **Returns** ``{"outcome": "waiting" | "agree" | "disagree" | "too little traffic" | "failed",
  "job_id", "summary"}``.
"""

import os
from datetime import UTC, datetime
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from codepipeline_job import Answer, answer_job, parameters_of
from prod_reads import capture_bucket, p95_latency, prod_session, variant_answers
from shadow_job import (
    NO_SHADOW,
    BadContinuationError,
    ShadowVerdictRequest,
    continuation_token,
    period_end,
    started_at,
)
from shadow_verdict import Latencies, Thresholds, judge, summary

logger = Logger()
tracer = Tracer()


class WrongShadowError(ValueError):
    pass


@cache
def _codepipeline() -> Any:
    return boto3.client("codepipeline")


@cache
def _sts() -> Any:
    return boto3.client("sts")


def _now() -> datetime:
    return datetime.now(UTC)


def _environment(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set")
    return value


def _verdict(event: dict[str, Any], job_id: str) -> Answer:
    request = parameters_of(event, ShadowVerdictRequest)
    if request.shadow_model_package_arn == NO_SHADOW:
        return Answer(True, f"No version was served by {request.endpoint_name} before {request.model_package_arn}: "
                            "nothing to compare, the switch proceeds.")
    if request.shadow_model_package_arn != request.model_package_arn:
        raise WrongShadowError(
            f"the shadow serves {request.shadow_model_package_arn}, not the promoted {request.model_package_arn}"
        )
    token = event["CodePipeline.job"]["data"].get("continuationToken")
    now = _now()
    started = started_at(token) if token else now
    end = period_end(started, request.duration_minutes)
    if now < end:
        return Answer(True, f"Shadow test on {request.endpoint_name} runs until {end:%Y-%m-%dT%H:%M:%SZ}.",
                      continuation_token=token or continuation_token(started))
    session = prod_session(_sts(), _environment("SHADOW_READER_ROLE_ARN"), f"shadow-verdict-{job_id}")
    bucket = capture_bucket(session.client("ssm"), _environment("CAPTURE_BUCKET_PARAMETER"))
    s3, cloudwatch = session.client("s3"), session.client("cloudwatch")
    endpoint = request.endpoint_name
    production = variant_answers(s3, bucket, endpoint, request.production_variant, started, now)
    shadow = variant_answers(s3, bucket, endpoint, request.shadow_variant, started, now)
    latencies = Latencies(
        production_us=p95_latency(cloudwatch, endpoint, request.production_variant, started, now),
        shadow_us=p95_latency(cloudwatch, endpoint, request.shadow_variant, started, now),
    )
    thresholds = Thresholds(request.min_samples, request.max_disagreement_rate, request.max_score_delta,
                            request.max_p95_latency_ratio)
    verdict = judge(production, shadow, latencies, thresholds)
    text = summary(verdict, thresholds, f"{endpoint} ({request.model_package_arn.split(':')[-1]})", production, shadow)
    logger.info("shadow verdict", extra={"outcome": verdict.outcome, "summary": text})
    if not verdict.proceeds:
        return Answer(False, text, details={"outcome": verdict.outcome})
    variables = {
        "PairedRows": str(verdict.paired_rows),
        "DisagreementRate": f"{verdict.disagreement_rate:.4f}",
        "ScoreDelta": f"{verdict.score_delta:.4f}",
        "P95LatencyRatio": f"{verdict.latency_ratio:.2f}",
    }
    return Answer(True, text, variables, details={"outcome": verdict.outcome})


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    job_id, answer = answer_job(
        event,
        lambda job_id: _verdict(event, job_id),
        codepipeline=_codepipeline,
        logger=logger,
        configuration_errors=(WrongShadowError, BadContinuationError),
    )
    if answer.continuation_token is not None:
        outcome = "waiting"
    else:
        outcome = answer.details.get("outcome", "agree" if answer.succeeded else "failed")
    return {"outcome": outcome, "job_id": job_id, "summary": answer.summary}
