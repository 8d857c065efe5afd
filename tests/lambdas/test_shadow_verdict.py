"""The shadow verdict: the promoted version, as prod's shadow, must agree with the served one on the same
requests, be about as fast, and have seen enough traffic; otherwise the promotion stops saying why.

The verdict and the capture reader are pure; the handler's calls go through botocore Stubbers.
"""

import base64
import io
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from tests.lambda_handlers import FakeContext, load_handler, stubbed_clients

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
handler_module = load_handler("shadow_verdict")

from prod_reads import hour_prefixes, p95_latency  # noqa: E402
from shadow_job import BadContinuationError, continuation_token, started_at  # noqa: E402
from shadow_verdict import AGREE, DISAGREE, INSUFFICIENT, Latencies, Thresholds, judge, summary  # noqa: E402
from variant_capture import VariantAnswers, read_answers  # noqa: E402

EVENTS = Path(__file__).resolve().parents[1] / "events" / "shadow_verdict"
REGION = "eu-west-1"
ENDPOINT = "mlops-credit-risk"
WINDOW = ("2026-12-01T09:00:00", "2026-12-01T10:00:00")
THRESHOLDS = Thresholds(min_samples=4, max_disagreement_rate=0.25, max_score_delta=0.05, max_p95_latency_ratio=1.5)
FAST = Latencies(production_us=20_000.0, shadow_us=24_000.0)


def answers(**probabilities: float | tuple[float, ...]) -> VariantAnswers:
    return VariantAnswers(
        answers={key: value if isinstance(value, tuple) else (value,) for key, value in probabilities.items()}
    )


SERVED = answers(a=0.10, b=0.40, c=0.70, d=0.90)
# Near the decision threshold: a small shift flips b and c.
BORDERLINE = answers(a=0.10, b=0.48, c=0.52, d=0.90)
FLIPPED = answers(a=0.10, b=0.51, c=0.49, d=0.90)


# The verdict ----------------------------------------------------------------------------


def test_close_answers_at_similar_latency_agree() -> None:
    verdict = judge(SERVED, answers(a=0.11, b=0.42, c=0.69, d=0.93), FAST, THRESHOLDS)

    assert verdict.outcome == AGREE and verdict.proceeds
    assert verdict.paired_rows == 4 and verdict.disagreement_rate == 0.0
    assert verdict.score_delta == pytest.approx(0.0175)
    assert verdict.latency_ratio == pytest.approx(1.2)


def test_flipped_decisions_above_the_rate_disagree_naming_the_rate() -> None:
    # b and c cross 0.5: two of four decisions change, mean delta stays small.
    verdict = judge(BORDERLINE, FLIPPED, FAST, THRESHOLDS)

    assert verdict.outcome == DISAGREE and not verdict.proceeds
    assert verdict.score_delta == pytest.approx(0.015)
    assert verdict.problems == ("decision disagreement 50.00% above 25.00%",)


def test_one_flipped_decision_within_the_rate_agrees() -> None:
    verdict = judge(SERVED, answers(a=0.10, b=0.40, c=0.70, d=0.49), FAST,
                    Thresholds(4, 0.25, 0.2, 1.5))

    assert verdict.outcome == AGREE and verdict.disagreement_rate == 0.25


def test_shifted_scores_disagree_naming_the_delta_even_when_decisions_hold() -> None:
    verdict = judge(SERVED, answers(a=0.20, b=0.30, c=0.80, d=0.99), FAST, THRESHOLDS)

    assert verdict.outcome == DISAGREE
    assert verdict.problems == ("mean score delta 0.0975 above 0.0500",)


def test_a_slow_shadow_disagrees_naming_both_latencies_and_the_ratio() -> None:
    verdict = judge(SERVED, SERVED, Latencies(production_us=20_000.0, shadow_us=40_000.0), THRESHOLDS)

    assert verdict.outcome == DISAGREE
    assert verdict.problems == ("p95 latency ratio 2.00 (shadow 40.0 ms, production 20.0 ms) above 1.50",)


def test_too_few_paired_rows_is_too_little_traffic_saying_how_many_of_how_many() -> None:
    verdict = judge(SERVED, answers(a=0.10, b=0.40, z=0.5), FAST, THRESHOLDS)

    assert verdict.outcome == INSUFFICIENT and not verdict.proceeds
    assert verdict.problems == (
        "too little traffic: 2 rows answered by both versions, 4 needed "
        "(production captured 4 requests, the shadow 3, 2 paired)",
    )


def test_too_little_traffic_wins_over_a_disagreement_on_few_rows() -> None:
    verdict = judge(SERVED, answers(a=0.9, b=0.9), FAST, THRESHOLDS)

    assert verdict.outcome == INSUFFICIENT


def test_a_variant_without_latency_is_too_little_traffic() -> None:
    verdict = judge(SERVED, SERVED, Latencies(production_us=20_000.0, shadow_us=None), THRESHOLDS)

    assert verdict.outcome == INSUFFICIENT
    assert verdict.problems == ("too little traffic: no ModelLatency of the shadow variant in the period",)


def test_rows_pair_within_a_request_and_requests_with_other_row_counts_do_not() -> None:
    served = answers(a=(0.1, 0.9), b=(0.2, 0.8, 0.3), c=0.4, d=0.6)
    shadow = answers(a=(0.1, 0.9), b=(0.2, 0.8), c=0.4, d=0.6)

    verdict = judge(served, shadow, FAST, Thresholds(4, 0.0, 0.01, 1.5))

    assert (verdict.paired_rows, verdict.paired_requests, verdict.row_count_mismatches) == (4, 3, 1)
    assert verdict.outcome == AGREE


def test_the_summary_names_every_figure_with_its_threshold_and_the_failure() -> None:
    shadow = answers(a=0.10, b=0.51, c=0.49, d=0.90)
    shadow.malformed["invalid_json"] = 2
    verdict = judge(BORDERLINE, shadow, FAST, THRESHOLDS)

    text = summary(verdict, THRESHOLDS, ENDPOINT, BORDERLINE, shadow)

    assert text.startswith(f"Shadow test on {ENDPOINT} DISAGREES: 4 paired rows (min 4); decision disagreement 50.00% "
                           "(max 25.00%); mean score delta 0.0150 (max 0.0500); p95 latency ratio 1.20 (max 1.50).")
    assert "Stopped because: decision disagreement 50.00% above 25.00%." in text
    assert "Capture lines skipped: {'shadow': {'invalid_json': 2}}." in text


# Reading captures -----------------------------------------------------------------------


def line(key: str | None = "req-1", *, output: Any = None, time: str = "2026-12-01T09:15:00Z",
         event_id: str = "evt-1") -> bytes:
    metadata = {"eventId": event_id, "inferenceTime": time}
    if key is not None:
        metadata["inferenceId"] = key
    if output is None:
        output = {"observedContentType": "application/json", "mode": "OUTPUT", "encoding": "JSON",
                  "data": json.dumps({"predictions": [{"probability": 0.25}], "model_version": "v1"})}
    return json.dumps({"captureData": {"endpointInput": {"data": "x"}, "endpointOutput": output},
                       "eventMetadata": metadata, "eventVersion": "0"}).encode()


def test_answers_are_keyed_by_inference_id_else_event_id() -> None:
    read = read_answers([line("req-1"), line(None, event_id="evt-2")], WINDOW)

    assert read.answers == {"req-1": (0.25,), "evt-2": (0.25,)}


def test_csv_answers_in_base64_are_read_row_by_row() -> None:
    data = base64.b64encode(b"0.125,v1\n0.875,v1\n").decode()
    output = {"observedContentType": "text/csv", "encoding": "BASE64", "data": data}

    assert read_answers([line(output=output)], WINDOW).answers == {"req-1": (0.125, 0.875)}


def test_records_outside_the_period_are_counted_not_read() -> None:
    read = read_answers([line(time="2026-12-01T08:59:59Z"), line("req-2", time="2026-12-01T10:00:00Z")], WINDOW)

    assert (read.answers, read.outside_window) == ({}, 2)


def test_malformed_capture_lines_are_counted_by_reason_and_never_raise() -> None:
    lines = [
        b'{"captureData": {"endpointOutput": ',  # truncated mid-line
        b"\xff\xfe not utf-8",
        b'{"eventMetadata": {}}',
        json.dumps({"captureData": {}, "eventMetadata": {"inferenceTime": "2026-12-01T09:15:00Z"}}).encode(),
        line("no-output", output={"encoding": "JSON"}),
        line("bad-b64", output={"observedContentType": "text/csv", "encoding": "BASE64", "data": "%%%"}),
        line("gzip", output={"observedContentType": "text/csv", "encoding": "GZIP", "data": "x"}),
        line("not-a-number", output={"observedContentType": "text/csv", "encoding": "CSV", "data": "high,v1"}),
        line("out-of-range", output={"observedContentType": "text/csv", "encoding": "CSV", "data": "1.5,v1"}),
        line("no-predictions", output={"observedContentType": "application/json", "encoding": "JSON",
                                       "data": '{"error": "row 1: bad value"}'}),
        line("req-1"),
        line("req-1"),
        b"",
    ]

    read = read_answers(lines, WINDOW)

    assert read.answers == {"req-1": (0.25,)}
    assert dict(read.malformed) == {
        "invalid_json": 3, "no_event_id": 1, "missing_output": 1, "bad_encoding": 2, "unreadable_output": 3,
        "duplicate_id": 1,
    }


# Reading prod ---------------------------------------------------------------------------


def test_capture_folders_cover_each_hour_of_the_period() -> None:
    prefixes = hour_prefixes(ENDPOINT, "Shadow", datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
                             datetime(2026, 12, 1, 11, 5, tzinfo=UTC))

    assert prefixes == [f"data-capture/{ENDPOINT}/Shadow/2026/12/01/{hour}/" for hour in ("09", "10", "11")]


def test_p95_latency_is_the_highest_p95_cloudwatch_returns_for_the_variant() -> None:
    client = boto3.client("cloudwatch", region_name=REGION)
    start, end = datetime(2026, 12, 1, 9, 0, 30, tzinfo=UTC), datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC)
    with Stubber(client) as stub:
        stub.add_response(
            "get_metric_data",
            {"MetricDataResults": [{"Id": "latency", "Values": [21000.0, 23000.0]}]},
            {"MetricDataQueries": [{"Id": "latency", "MetricStat": {"Metric": {
                "Namespace": "AWS/SageMaker", "MetricName": "ModelLatency",
                "Dimensions": [{"Name": "EndpointName", "Value": ENDPOINT}, {"Name": "VariantName", "Value": "Shadow"}]},
                "Period": 3600, "Stat": "p95"}}], "StartTime": start, "EndTime": end},
        )

        assert p95_latency(client, ENDPOINT, "Shadow", start, end) == 23000.0


def test_a_continuation_token_keeps_the_start_of_the_period() -> None:
    started = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    assert started_at(continuation_token(started)) == started
    with pytest.raises(BadContinuationError):
        started_at("not json")


# The handler ----------------------------------------------------------------------------


def event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


CONTEXT = FakeContext("Dev-Promotion-FunctionsShadowVerdictFunction-1A2B3C4D5E6F")
JOB_ID = "7c1d9e2f-3a4b-4c5d-8e6f-0a1b2c3d4e5f"


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHADOW_READER_ROLE_ARN", "arn:aws:iam::333333333333:role/mlops-shadow-verdict-reader")
    monkeypatch.setenv("CAPTURE_BUCKET_PARAMETER", "/mlops/serving/data-capture-bucket")


def at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr(handler_module, "_now", lambda: moment)


def test_the_first_invocation_starts_the_period_and_answers_in_progress(monkeypatch, environment) -> None:
    at(monkeypatch, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    with stubbed_clients(monkeypatch, handler_module, REGION, "codepipeline") as (codepipeline,):
        codepipeline.add_response("put_job_success_result", {}, {
            "jobId": JOB_ID, "continuationToken": '{"started": "2026-12-01T09:00:00"}',
            "executionDetails": {"summary": f"Shadow test on {ENDPOINT} runs until 2026-12-01T10:00:00Z."}})

        result = handler_module.handler(event("first_invocation"), CONTEXT)

    assert result["outcome"] == "waiting"


def test_before_the_period_ends_the_same_token_comes_back_and_prod_is_not_read(monkeypatch, environment) -> None:
    at(monkeypatch, datetime(2026, 12, 1, 9, 59, tzinfo=UTC))
    with stubbed_clients(monkeypatch, handler_module, REGION, "codepipeline", "sts") as (codepipeline, _sts):
        codepipeline.add_response("put_job_success_result", {}, {
            "jobId": JOB_ID, "continuationToken": '{"started": "2026-12-01T09:00:00"}', "executionDetails": ANY})

        result = handler_module.handler(event("period_over"), CONTEXT)

    assert result["outcome"] == "waiting"


class FakeSession:
    def __init__(self, clients: dict[str, Any]) -> None:
        self.clients = clients

    def client(self, name: str) -> Any:
        return self.clients[name]


def capture_body(*lines: bytes) -> StreamingBody:
    data = b"\n".join(lines) + b"\n"
    return StreamingBody(io.BytesIO(data), len(data))


def answered(key: str, probability: float) -> bytes:
    return line(key, output={"observedContentType": "text/csv", "encoding": "CSV", "data": f"{probability},v"})


def prod_clients(monkeypatch, shadow_probabilities: list[float], shadow_latency: float) -> tuple[Stubber, ...]:
    clients = {name: boto3.client(name, region_name=REGION) for name in ("ssm", "s3", "cloudwatch")}
    monkeypatch.setattr(handler_module, "prod_session", lambda sts, role, name: FakeSession(clients))
    ssm, s3, cloudwatch = (Stubber(clients[name]) for name in ("ssm", "s3", "cloudwatch"))
    ssm.add_response("get_parameter", {"Parameter": {"Name": "p", "Value": "capture-bucket"}},
                     {"Name": "/mlops/serving/data-capture-bucket"})
    served = [0.1, 0.4, 0.7, 0.9]
    for variant, probabilities in (("AllTraffic", served), ("Shadow", shadow_probabilities)):
        key = f"data-capture/{ENDPOINT}/{variant}/2026/12/01/09/capture.jsonl"
        s3.add_response("list_objects_v2", {"Contents": [{"Key": key}]},
                        {"Bucket": "capture-bucket", "Prefix": f"data-capture/{ENDPOINT}/{variant}/2026/12/01/09/"})
        s3.add_response("get_object", {"Body": capture_body(*(answered(f"r{i}", p) for i, p in enumerate(probabilities)))},
                        {"Bucket": "capture-bucket", "Key": key})
    for value in (20_000.0, shadow_latency):
        cloudwatch.add_response("get_metric_data", {"MetricDataResults": [{"Id": "latency", "Values": [value]}]},
                                {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY})
    for stub in (ssm, s3, cloudwatch):
        stub.activate()
    return ssm, s3, cloudwatch


def test_after_the_period_an_agreeing_shadow_lets_the_switch_proceed(monkeypatch, environment) -> None:
    at(monkeypatch, datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    stubs = prod_clients(monkeypatch, [0.11, 0.42, 0.69, 0.93], 24_000.0)
    with stubbed_clients(monkeypatch, handler_module, REGION, "codepipeline") as (codepipeline,):
        codepipeline.add_response("put_job_success_result", {}, {
            "jobId": JOB_ID, "executionDetails": ANY,
            "outputVariables": {"PairedRows": "4", "DisagreementRate": "0.0000", "ScoreDelta": "0.0175",
                                "P95LatencyRatio": "1.20"}})

        result = handler_module.handler(event("period_over"), CONTEXT)

    assert result["outcome"] == "agree"
    for stub in stubs:
        stub.assert_no_pending_responses()


def test_after_the_period_a_disagreeing_shadow_stops_the_promotion_saying_why(monkeypatch, environment) -> None:
    at(monkeypatch, datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    prod_clients(monkeypatch, [0.11, 0.42, 0.69, 0.93], 40_000.0)
    with stubbed_clients(monkeypatch, handler_module, REGION, "codepipeline") as (codepipeline,):
        codepipeline.add_response("put_job_failure_result", {}, {"jobId": JOB_ID, "failureDetails": ANY})

        result = handler_module.handler(event("period_over"), CONTEXT)

    assert result["outcome"] == "disagree"
    assert "p95 latency ratio 2.00 (shadow 40.0 ms, production 20.0 ms) above 1.50" in result["summary"]


def test_after_the_period_too_little_traffic_stops_the_promotion(monkeypatch, environment) -> None:
    at(monkeypatch, datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    prod_clients(monkeypatch, [0.11], 24_000.0)
    with stubbed_clients(monkeypatch, handler_module, REGION, "codepipeline") as (codepipeline,):
        codepipeline.add_response("put_job_failure_result", {}, {"jobId": JOB_ID, "failureDetails": ANY})

        result = handler_module.handler(event("period_over"), CONTEXT)

    assert result["outcome"] == "too little traffic"
    assert "1 rows answered by both versions, 4 needed" in result["summary"]


def test_the_first_version_in_prod_has_nothing_to_compare_and_proceeds_at_once(monkeypatch, environment) -> None:
    with stubbed_clients(monkeypatch, handler_module, REGION, "codepipeline", "sts") as (codepipeline, _sts):
        codepipeline.add_response("put_job_success_result", {}, {
            "jobId": JOB_ID, "executionDetails": {"summary": ANY, "percentComplete": 100}})

        result = handler_module.handler(event("first_version_in_prod"), CONTEXT)

    assert result["outcome"] == "agree" and "nothing to compare" in result["summary"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bad_user_parameters", "min_samples"),
        ("wrong_shadow", "not the promoted"),
    ],
)
def test_bad_parameters_fail_the_job_as_a_configuration_error_before_prod_is_read(
    monkeypatch, environment, name: str, expected: str
) -> None:
    with stubbed_clients(monkeypatch, handler_module, REGION, "codepipeline", "sts") as (codepipeline, _sts):
        codepipeline.add_response("put_job_failure_result", {}, {
            "jobId": JOB_ID, "failureDetails": {"type": "ConfigurationError", "message": ANY}})

        result = handler_module.handler(event(name), CONTEXT)

    assert result["outcome"] == "failed" and expected in result["summary"]
