"""The Athena snapshot reader against stubbed SageMaker, Athena and S3: the table it resolves, the
query it runs as of the given time, the result it reads, and its errors."""

import pytest

from pipelines_src.feature_store.athena_snapshot import SnapshotQueryError
from tests.feature_store.athena_stubs import AS_OF, ATHENA_CSV, EXECUTION_ID, GROUP, Clients


def test_the_query_runs_in_the_workgroup_on_the_offline_table_as_of_the_time_given() -> None:
    # The Stubber refuses any other parameter: where results go and how they are encrypted is
    # the workgroup's to enforce, never the caller's.
    with Clients() as clients:
        clients.describe()
        clients.start()
        clients.state("RUNNING")
        clients.state("SUCCEEDED")
        clients.result()
        result = clients.reader().read(GROUP, AS_OF)

    assert clients.waits == [2.0]
    assert "from_iso8601_timestamp('2026-11-30T12:00:00.123Z')" in result.query
    assert "TIMESTAMP '2026-11-30 12:00:00.123'" in result.query
    assert '"sagemaker_featurestore"."loan_applicants_1764500000"' in result.query


def test_the_result_is_read_as_text_cells_with_the_query_execution_as_its_id() -> None:
    with Clients() as clients:
        clients.describe()
        clients.start()
        clients.state("SUCCEEDED")
        clients.result(ATHENA_CSV + '"a-3","2026-01-03T00:00:00Z",,"NA"\n')
        result = clients.reader().read(GROUP, AS_OF)

    assert result.query_execution_id == EXECUTION_ID
    assert result.table == "sagemaker_featurestore.loan_applicants_1764500000"
    cells = result.frame.astype(object).where(result.frame.notna(), None)
    assert cells.to_dict("list") == {
        "applicant_id": ["a-1", "a-2", "a-3"],
        "event_time": ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"],
        "credit_amount": ["1200", "800", None],
        "creditability": ["good", "bad", "NA"],
    }


@pytest.mark.parametrize(
    ("state", "status", "message"),
    [
        (
            "FAILED",
            {"StateChangeReason": "TABLE_NOT_FOUND: line 5:8: Table 'x' does not exist", "AthenaError": {"ErrorCategory": 2, "ErrorType": 1301}},
            rf"Athena query {EXECUTION_ID} in workgroup 'mlops-feature-store' FAILED: TABLE_NOT_FOUND: .* \(ErrorCategory 2, ErrorType 1301\)",
        ),
        ("CANCELLED", {}, rf"Athena query {EXECUTION_ID} in workgroup 'mlops-feature-store' CANCELLED: no reason given$"),
    ],
    ids=["failed", "cancelled"],
)
def test_a_query_that_does_not_succeed_says_which_and_why(state, status, message) -> None:
    with Clients() as clients:
        clients.describe()
        clients.start()
        clients.state("QUEUED")
        clients.state(state, **status)
        with pytest.raises(SnapshotQueryError, match=message):
            clients.reader().read(GROUP, AS_OF)


def test_a_query_that_outlives_the_timeout_is_stopped() -> None:
    with Clients() as clients:
        clients.describe()
        clients.start()
        for _ in range(3):
            clients.state("RUNNING")
        clients.athena_stub.add_response("stop_query_execution", {}, {"QueryExecutionId": EXECUTION_ID})
        with pytest.raises(SnapshotQueryError, match=rf"{EXECUTION_ID} .* still RUNNING after 4 s: stopped"):
            clients.reader(timeout_seconds=4).read(GROUP, AS_OF)


def test_a_feature_group_without_an_offline_store_is_refused_before_any_query() -> None:
    with Clients() as clients:
        clients.describe(OfflineStoreConfig={"S3StorageConfig": {"S3Uri": "s3://bucket/prefix"}})
        with pytest.raises(SnapshotQueryError, match="'loan-applicants' has no offline store table"):
            clients.reader().read(GROUP, AS_OF)


def test_a_naive_as_of_time_is_refused_before_any_query() -> None:
    with Clients() as clients:
        clients.describe()
        with pytest.raises(ValueError, match="no time zone"):
            clients.reader().read(GROUP, AS_OF.replace(tzinfo=None))

