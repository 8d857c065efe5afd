"""The smoke test: the staging endpoint must answer every sample with a probability, rarely fail and be fast.

The verdict is pure; calls go through botocore Stubbers (moto's endpoints answer a
canned body and cannot fail on demand).
"""

import io
import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from platform_config import PlatformConfig
from platform_config.naming import endpoint_name, model_package_group_name
from tests.lambda_handlers import FakeContext, load_handler, stubbed_clients
from tests.models_under_test import MODEL_NAMES
from tests.smoke_samples import raw_test_split, sample_file

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
handler_module = load_handler("smoke_test")

from endpoint_probe import probe, response_error, staging_runtime  # noqa: E402
from smoke_samples import MissingSamplesError, load_payloads, read_source_archive, samples_path  # noqa: E402
from smoke_verdict import Observation, Thresholds, evaluate, p95  # noqa: E402

EVENTS = Path(__file__).resolve().parents[1] / "events" / "smoke_test"
REGION = "eu-west-1"
ENDPOINT = "mlops-credit-risk"
ROLE_ARN = "arn:aws:iam::222222222222:role/mlops-smoke-tester"
THRESHOLDS = Thresholds(samples=20, max_error_rate=0.0, max_p95_latency_ms=500)


def fast(count: int, latency_ms: float = 40.0) -> list[Observation]:
    return [Observation(latency_ms) for _ in range(count)]


# The verdict ----------------------------------------------------------------------------


def test_all_answers_correct_and_fast_pass() -> None:
    verdict = evaluate(fast(20), THRESHOLDS)

    assert verdict.passed
    assert (verdict.sent, verdict.errors, verdict.p95_latency_ms) == (20, 0, 40.0)


def test_p95_is_the_nearest_rank() -> None:
    assert p95([float(value) for value in range(1, 21)]) == 19.0
    assert p95([float(value) for value in range(100, 0, -1)]) == 95.0
    assert p95([7.0]) == 7.0


def test_one_error_fails_when_none_is_tolerated() -> None:
    verdict = evaluate(fast(19) + [Observation(30.0, "ModelError: boom")], THRESHOLDS)

    assert not verdict.passed
    assert verdict.problems == ("error rate 5.00% above 0.00%",)


def test_errors_within_the_tolerated_rate_pass() -> None:
    tolerant = Thresholds(samples=20, max_error_rate=0.1, max_p95_latency_ms=500)

    verdict = evaluate(fast(18) + [Observation(30.0, "ModelError: boom")] * 2, tolerant)

    assert verdict.passed
    assert verdict.error_rate == pytest.approx(0.1)


def test_slow_p95_fails_naming_the_latency() -> None:
    verdict = evaluate(fast(18) + fast(2, latency_ms=900.0), THRESHOLDS)

    assert not verdict.passed
    assert verdict.problems == ("p95 latency 900 ms above 500 ms",)


def test_one_slow_answer_in_twenty_stays_under_p95() -> None:
    verdict = evaluate(fast(19) + fast(1, latency_ms=900.0), THRESHOLDS)

    assert verdict.passed


def test_failed_calls_do_not_count_towards_latency() -> None:
    tolerant = Thresholds(samples=20, max_error_rate=0.5, max_p95_latency_ms=500)

    verdict = evaluate(fast(15) + [Observation(60_000.0, "ReadTimeoutError: timed out")] * 5, tolerant)

    assert verdict.p95_latency_ms == 40.0


def test_no_correct_answer_fails() -> None:
    tolerant = Thresholds(samples=2, max_error_rate=1.0, max_p95_latency_ms=500)

    verdict = evaluate([Observation(10.0, "ValidationError: bad")] * 2, tolerant)

    assert not verdict.passed
    assert verdict.problems == ("no request was answered correctly",)


def test_run_cut_short_fails() -> None:
    verdict = evaluate(fast(12), THRESHOLDS)

    assert not verdict.passed
    assert verdict.problems == ("only 12 of 20 requests were sent before the time ran out",)


def test_summary_states_counts_thresholds_and_most_frequent_errors() -> None:
    observations = (
        fast(14)
        + [Observation(20.0, "ModelError: shape mismatch")] * 4
        + [Observation(20.0, "expected one probability, got ''")] * 2
    )
    verdict = evaluate(observations, THRESHOLDS)

    summary = verdict.summary(ENDPOINT, THRESHOLDS)

    assert summary.startswith(f"Smoke test of {ENDPOINT} FAILED: 20 of 20 requests, 6 errors (error rate 30.00%, max 0.00%)")
    assert "Errors: 4x ModelError: shape mismatch; 2x expected one probability, got ''" in summary


# The response schema --------------------------------------------------------------------


def prediction(probability: Any = 0.42, version: Any = "exec-7") -> str:
    return json.dumps({"predictions": [{"probability": probability}], "model_version": version})


@pytest.mark.parametrize("body", [prediction(), prediction(1), prediction(0), prediction(0.0001) + "\n"])
def test_one_probability_with_its_version_is_a_correct_answer(body: str) -> None:
    assert response_error(body) is None


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("", "not JSON"),
        ("0.42", "expected one prediction"),
        ('{"predictions": [{"probability": 0.1}, {"probability": 0.2}], "model_version": "v"}', "expected one prediction"),
        ('{"predictions": [0.3], "model_version": "v"}', "expected one prediction"),
        (prediction("0.3"), "probability is not a number"),
        (prediction(True), "probability is not a number"),
        (prediction(1.5), "probability out of [0, 1]"),
        (prediction(-0.01), "probability out of [0, 1]"),
        (prediction(version=""), "no model_version"),
        ('{"predictions": [{"probability": 0.3}]}', "no model_version"),
    ],
)
def test_anything_else_is_an_error(body: str, problem: str) -> None:
    assert problem in response_error(body)


# Calling the endpoint -------------------------------------------------------------------


def answer(body: bytes | str) -> dict[str, Any]:
    body = body.encode() if isinstance(body, str) else body
    return {"Body": StreamingBody(io.BytesIO(body), len(body)), "ContentType": "application/json"}


class FakeClock:
    """Advances ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@pytest.fixture
def runtime() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("sagemaker-runtime", region_name=REGION)
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def test_each_payload_is_sent_as_one_csv_request_and_timed(runtime) -> None:
    client, stub = runtime
    for payload in ("1,0,18", "0,1,36"):
        stub.add_response(
            "invoke_endpoint",
            answer(prediction(0.31)),
            {"EndpointName": ENDPOINT, "ContentType": "text/csv", "Accept": "application/json", "Body": payload},
        )

    observations = probe(client, ENDPOINT, ["1,0,18", "0,1,36"], clock=FakeClock(0.05))

    assert observations == [Observation(pytest.approx(50.0)), Observation(pytest.approx(50.0))]


def test_failed_call_is_observed_as_an_error(runtime) -> None:
    client, stub = runtime
    stub.add_client_error("invoke_endpoint", "ModelError", "Received client error (400) from primary", 424)

    [observation] = probe(client, ENDPOINT, ["1,0,18"], clock=FakeClock(0.01))

    assert observation.error == "ModelError: Received client error (400) from primary"


def test_wrong_answer_is_observed_as_an_error(runtime) -> None:
    client, stub = runtime
    stub.add_response("invoke_endpoint", answer(b"0.2,0.8"))

    [observation] = probe(client, ENDPOINT, ["1,0,18"], clock=FakeClock(0.01))

    assert observation.error == "not JSON: '0.2,0.8'"


def test_probe_stops_sending_at_the_deadline(runtime) -> None:
    client, stub = runtime
    stub.add_response("invoke_endpoint", answer(prediction(0.5)))

    observations = probe(client, ENDPOINT, ["1,0,18"] * 5, clock=FakeClock(1.0), stop_at=2.5)

    assert len(observations) == 1


def test_staging_client_acts_as_the_assumed_role_and_never_retries() -> None:
    sts = boto3.client("sts", region_name=REGION)
    with Stubber(sts) as stub:
        stub.add_response(
            "assume_role",
            {
                "Credentials": {
                    "AccessKeyId": "ASIASTAGINGEXAMPLE01",
                    "SecretAccessKey": "staging-secret",
                    "SessionToken": "staging-token",
                    "Expiration": "2026-11-21T15:00:00Z",
                }
            },
            {"RoleArn": ROLE_ARN, "RoleSessionName": "smoke-test-e81c4b27-5f3a-4d96-b0e2-7a9d1c6f3e85"},
        )

        client = staging_runtime(sts, ROLE_ARN, "smoke-test-e81c4b27-5f3a-4d96-b0e2-7a9d1c6f3e85", 1.0)

    assert client._request_signer._credentials.access_key == "ASIASTAGINGEXAMPLE01"
    assert client.meta.config.retries["total_max_attempts"] == 1


# The samples ----------------------------------------------------------------------------


def test_shipped_samples_are_each_models_raw_test_split(platform_config: PlatformConfig, model_name: str) -> None:
    assert sample_file(model_name).read_text() == raw_test_split(platform_config, model_name), (
        f"{sample_file(model_name)} is stale: run `.venv/bin/python -m tests.smoke_samples --model {model_name}`"
    )


def source_archive(*model_names: str) -> bytes:
    """The promotion's Source artifact: a zip of the repository, here only the samples of ``model_names``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in model_names:
            archive.writestr(samples_path(name), sample_file(name).read_text())
    return buffer.getvalue()


def test_more_samples_than_rows_repeat_the_rows_in_order(model_name: str) -> None:
    shipped = sample_file(model_name).read_text().splitlines()
    rows = load_payloads(source_archive(model_name), model_name, 3 * len(shipped) + 1)

    assert rows == shipped * 3 + shipped[:1]


def test_model_without_samples_is_a_clear_error() -> None:
    with pytest.raises(MissingSamplesError, match="'fraud-detection'"):
        load_payloads(source_archive("credit-risk"), "fraud-detection", 5)


def test_samples_are_read_from_the_jobs_source_artifact() -> None:
    s3 = boto3.client("s3", region_name=REGION)
    data = {"inputArtifacts": [{"name": "Source", "location": {"type": "S3", "s3Location": {
        "bucketName": "mlops-promotion-artifacts-111111111111-eu-west-1", "objectKey": "mlops-credit-risk-p/Source/abc.zip",
    }}}]}
    archive = source_archive("credit-risk")
    with Stubber(s3) as stub:
        stub.add_response(
            "get_object",
            {"Body": StreamingBody(io.BytesIO(archive), len(archive))},
            {"Bucket": "mlops-promotion-artifacts-111111111111-eu-west-1", "Key": "mlops-credit-risk-p/Source/abc.zip"},
        )

        assert read_source_archive(s3, data) == archive


def test_a_job_without_the_source_artifact_is_a_clear_error() -> None:
    with pytest.raises(MissingSamplesError, match="no 'Source' input artifact"):
        read_source_archive(boto3.client("s3", region_name=REGION), {"inputArtifacts": []})


# The handler ----------------------------------------------------------------------------


CONTEXT = FakeContext("smoke-test", region=REGION)


def job(name: str = "smoke_test", **overrides: Any) -> dict[str, Any]:
    event = json.loads((EVENTS / f"{name}.json").read_text())
    configuration = event["CodePipeline.job"]["data"]["actionConfiguration"]["configuration"]
    configuration["UserParameters"] = json.dumps({**json.loads(configuration["UserParameters"]), **overrides})
    return event


@pytest.fixture
def staging(runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Stubber, Stubber, list[tuple]]]:
    """CodePipeline (stubbed), and the staging endpoint (stubbed) behind the role the handler assumes."""
    client, runtime_stub = runtime
    assumed: list[tuple] = []

    def assume(sts: Any, role_arn: str, session_name: str, read_timeout_seconds: float) -> Any:
        assumed.append((role_arn, session_name))
        return client

    monkeypatch.setenv("SMOKE_TESTER_ROLE_ARN", ROLE_ARN)
    monkeypatch.setattr(handler_module, "staging_runtime", assume)
    monkeypatch.setattr(handler_module, "_sts", lambda: None)
    monkeypatch.setattr(handler_module, "_source_archive", lambda event: source_archive(*MODEL_NAMES))
    with stubbed_clients(monkeypatch, handler_module, REGION, "codepipeline") as (codepipeline_stub,):
        yield codepipeline_stub, runtime_stub, assumed


def test_healthy_endpoint_passes_the_job_with_summary_and_variables(staging, platform_config, model_name) -> None:
    codepipeline_stub, runtime_stub, assumed = staging
    endpoint = endpoint_name(platform_config, model_name)
    package = f"arn:aws:sagemaker:eu-west-1:111111111111:model-package/{model_package_group_name(platform_config, model_name)}/3"
    event = job(samples=3, model_name=model_name, endpoint_name=endpoint, model_package_arn=package)
    job_id = event["CodePipeline.job"]["id"]
    for payload in sample_file(model_name).read_text().splitlines()[:3]:
        runtime_stub.add_response(
            "invoke_endpoint",
            answer(prediction(0.27)),
            {"EndpointName": endpoint, "ContentType": "text/csv", "Accept": "application/json", "Body": payload},
        )
    codepipeline_stub.add_response(
        "put_job_success_result",
        {},
        {
            "jobId": job_id,
            "executionDetails": {"summary": ANY, "percentComplete": 100},
            "outputVariables": {"SampleCount": "3", "ErrorRate": "0.0000", "P95LatencyMs": ANY},
        },
    )

    result = handler_module.handler(event, CONTEXT)

    assert result["outcome"] == "passed"
    group = model_package_group_name(platform_config, model_name)
    assert result["summary"].startswith(f"Smoke test of {endpoint} (model-package/{group}/3) passed")
    assert assumed == [(ROLE_ARN, f"smoke-test-{job_id}")]


def test_endpoint_answering_garbage_fails_the_job_with_the_summary(staging) -> None:
    codepipeline_stub, runtime_stub, _ = staging
    event = job(samples=2)
    for _ in range(2):
        runtime_stub.add_response("invoke_endpoint", answer(b"<html>502 Bad Gateway</html>"))
    codepipeline_stub.add_response(
        "put_job_failure_result",
        {},
        {"jobId": event["CodePipeline.job"]["id"], "failureDetails": {"type": "JobFailed", "message": ANY}},
    )

    result = handler_module.handler(event, CONTEXT)

    assert result["outcome"] == "failed"
    assert "error rate 100.00% above 0.00%" in result["summary"]


def test_model_without_samples_fails_the_job_before_calling_staging(staging) -> None:
    codepipeline_stub, _, assumed = staging
    event = job("unknown_model")
    codepipeline_stub.add_response(
        "put_job_failure_result",
        {},
        {"jobId": event["CodePipeline.job"]["id"], "failureDetails": {"type": "ConfigurationError", "message": ANY}},
    )

    result = handler_module.handler(event, CONTEXT)

    assert "no smoke-test samples for model 'fraud-detection'" in result["summary"]
    assert assumed == []


def test_bad_parameters_fail_the_job_naming_each_field(staging) -> None:
    codepipeline_stub, _, assumed = staging
    event = job("bad_user_parameters")
    codepipeline_stub.add_response(
        "put_job_failure_result",
        {},
        {"jobId": event["CodePipeline.job"]["id"], "failureDetails": {"type": "ConfigurationError", "message": ANY}},
    )

    result = handler_module.handler(event, CONTEXT)

    assert "samples:" in result["summary"] and "max_error_rate:" in result["summary"]
    assert assumed == []


def test_event_without_a_job_raises(staging) -> None:
    with pytest.raises(ValueError, match="not a CodePipeline job event"):
        handler_module.handler({"detail-type": "Scheduled Event"}, CONTEXT)


def test_p95_latency_exactly_at_the_limit_passes() -> None:
    verdict = evaluate(fast(20, latency_ms=500.0), THRESHOLDS)

    assert verdict.passed
    assert verdict.p95_latency_ms == 500.0


def test_a_run_that_sent_nothing_has_an_error_rate_of_one_and_fails_saying_why() -> None:
    verdict = evaluate([], THRESHOLDS)

    assert (verdict.passed, verdict.sent, verdict.error_rate, verdict.p95_latency_ms) == (False, 0, 1.0, None)
    assert verdict.summary("mlops-credit-risk", THRESHOLDS) == (
        "Smoke test of mlops-credit-risk FAILED: 0 of 20 requests, 0 errors (error rate 100.00%, max 0.00%), "
        "p95 latency none answered (max 500 ms). Failed because: only 0 of 20 requests were sent before the "
        "time ran out; error rate 100.00% above 0.00%; no request was answered correctly."
    )


def test_a_passing_summary_gives_the_p95_latency_and_no_reasons() -> None:
    verdict = evaluate(fast(20, latency_ms=41.4), THRESHOLDS)

    assert verdict.summary("mlops-credit-risk", THRESHOLDS) == (
        "Smoke test of mlops-credit-risk passed: 20 of 20 requests, 0 errors (error rate 0.00%, max 0.00%), "
        "p95 latency 41 ms (max 500 ms)."
    )


def test_the_summary_quotes_the_three_most_frequent_errors_only() -> None:
    errors = [Observation(10.0, f"error {number}") for number in range(4) for _ in range(4 - number)]

    verdict = evaluate(errors + fast(10), THRESHOLDS)

    assert verdict.quoted_errors == ("4x error 0", "3x error 1", "2x error 2")


def test_p95_of_no_latency_is_an_error() -> None:
    with pytest.raises(ValueError, match="^p95 of no latencies$"):
        p95([])
