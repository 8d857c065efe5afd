"""The PutRecord writer against a stubbed sagemaker-featurestore-runtime: request shapes, retry, failure."""

import threading
import time

import boto3
import pytest
from botocore.stub import Stubber

from pipelines_src.feature_store.cloud_writer import FeatureStoreWriter, IngestionError, client_config, to_record

GROUP = "mlops-loan-applicants"


@pytest.fixture
def client():
    return boto3.client(
        "sagemaker-featurestore-runtime",
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=client_config(),
    )


def writer(client, **options) -> FeatureStoreWriter:
    # One worker by default: the Stubber answers calls in the order it was given them.
    return FeatureStoreWriter(client, GROUP, "applicant_id", **{"max_workers": 1, "sleep": lambda _: None, **options})


def put(record_id: str, **features: str) -> dict:
    return {
        "FeatureGroupName": GROUP,
        "Record": [{"FeatureName": "applicant_id", "ValueAsString": record_id}]
        + [{"FeatureName": name, "ValueAsString": value} for name, value in features.items()],
    }


def test_each_record_is_put_as_feature_name_and_string_value_pairs(client) -> None:
    rows = [
        {"applicant_id": "a-1", "event_time": "2026-01-01T00:00:00Z", "credit_amount": 1200, "rate": 0.25},
        {"applicant_id": "a-2", "event_time": "2026-01-02T00:00:00Z", "credit_amount": 800, "rate": 1.5},
    ]
    with Stubber(client) as stub:
        stub.add_response("put_record", {}, put("a-1", event_time="2026-01-01T00:00:00Z", credit_amount="1200", rate="0.25"))
        stub.add_response("put_record", {}, put("a-2", event_time="2026-01-02T00:00:00Z", credit_amount="800", rate="1.5"))
        report = writer(client).write(rows)
        stub.assert_no_pending_responses()

    assert (report.records, report.calls, report.retries) == (2, 2, 0)


def test_missing_values_are_left_out_of_the_record() -> None:
    row = {"applicant_id": "a-1", "purpose": None, "duration": float("nan"), "telephone": "", "credit_amount": 5.0}

    assert to_record(row) == [
        {"FeatureName": "applicant_id", "ValueAsString": "a-1"},
        {"FeatureName": "telephone", "ValueAsString": ""},
        {"FeatureName": "credit_amount", "ValueAsString": "5"},
    ]


def test_pandas_rows_give_the_same_strings_as_plain_values() -> None:
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({"applicant_id": ["a-1"], "credit_amount": pandas.array([None], dtype="Int64"), "months": [12]})

    assert to_record(frame.to_dict("records")[0]) == [
        {"FeatureName": "applicant_id", "ValueAsString": "a-1"},
        {"FeatureName": "months", "ValueAsString": "12"},
    ]


@pytest.mark.parametrize("code", ["ThrottlingException", "ServiceUnavailable"])
def test_a_throttled_or_unavailable_call_is_retried_after_a_growing_backoff(client, code) -> None:
    waits: list[float] = []
    with Stubber(client) as stub:
        stub.add_client_error("put_record", code, "slow down", 400, expected_params=put("a-1"))
        stub.add_client_error("put_record", code, "slow down", 400, expected_params=put("a-1"))
        stub.add_response("put_record", {}, put("a-1"))
        report = writer(client, sleep=waits.append, jitter=lambda: 1.0, base_delay=0.1).write([{"applicant_id": "a-1"}])
        stub.assert_no_pending_responses()

    assert (report.records, report.calls, report.retries) == (1, 3, 2)
    assert waits == [0.1, 0.2]


def test_backoff_is_capped_and_jittered(client) -> None:
    capped = writer(client, base_delay=1.0, max_delay=3.0, jitter=lambda: 1.0)
    jittered = writer(client, base_delay=1.0, max_delay=3.0, jitter=lambda: 0.5)

    assert [capped.backoff(attempt) for attempt in (1, 2, 3, 4)] == [1.0, 2.0, 3.0, 3.0]
    assert jittered.backoff(2) == 1.0


def test_a_record_still_throttled_after_the_last_attempt_is_reported(client) -> None:
    with Stubber(client) as stub:
        for _ in range(3):
            stub.add_client_error("put_record", "ThrottlingException", "Rate exceeded", 400)
        with pytest.raises(IngestionError, match=r"1 record\(s\) not written .*ThrottlingException: a-7 \(Rate exceeded\)"):
            writer(client, max_attempts=3).write([{"applicant_id": "a-7"}])
        stub.assert_no_pending_responses()


def test_a_validation_error_is_not_retried_and_names_the_record(client) -> None:
    with Stubber(client) as stub:
        stub.add_response("put_record", {})
        stub.add_client_error("put_record", "ValidationError", "credit_amount is not Integral", 400)
        with pytest.raises(IngestionError) as raised:
            writer(client).write([{"applicant_id": "a-1"}, {"applicant_id": "a-2", "credit_amount": "lots"}])
        stub.assert_no_pending_responses()

    assert [(failure.record_id, failure.error_code) for failure in raised.value.failures] == [("a-2", "ValidationError")]
    assert raised.value.written == 1
    assert "ValidationError: a-2 (credit_amount is not Integral)" in str(raised.value)


def test_no_batch_starts_after_a_batch_with_a_failure(client) -> None:
    rows = [{"applicant_id": f"a-{number}"} for number in range(5)]
    with Stubber(client) as stub:
        stub.add_client_error("put_record", "AccessForbidden", "not allowed", 403)
        stub.add_client_error("put_record", "AccessForbidden", "not allowed", 403)
        with pytest.raises(IngestionError) as raised:
            writer(client, batch_size=2).write(rows)
        stub.assert_no_pending_responses()

    assert raised.value.unsent == 3
    assert "AccessForbidden: a-0, a-1 (not allowed)" in str(raised.value)
    assert "3 not sent" in str(raised.value)


def test_the_message_quotes_twenty_ids_and_counts_the_rest(client) -> None:
    with Stubber(client) as stub:
        for _ in range(23):
            stub.add_client_error("put_record", "ValidationError", "bad", 400)
        with pytest.raises(IngestionError, match=r"a-19 and 3 more") as raised:
            writer(client, batch_size=100).write([{"applicant_id": f"a-{number}"} for number in range(23)])

    assert len(raised.value.failures) == 23
    assert "a-20" not in str(raised.value)


class _SlowClient:
    """Counts the PutRecord calls in flight at once."""

    def __init__(self) -> None:
        self.lock, self.in_flight, self.most, self.calls = threading.Lock(), 0, 0, 0

    def put_record(self, **request) -> dict:
        with self.lock:
            self.in_flight += 1
            self.calls += 1
            self.most = max(self.most, self.in_flight)
        time.sleep(0.01)
        with self.lock:
            self.in_flight -= 1
        return {}


def test_at_most_max_workers_calls_are_in_flight() -> None:
    client = _SlowClient()
    report = FeatureStoreWriter(client, GROUP, "applicant_id", max_workers=3, batch_size=10).write(
        {"applicant_id": f"a-{number}"} for number in range(40)
    )

    assert report.records == client.calls == 40
    assert client.most == 3

