"""The Athena snapshot reader against stubbed SageMaker, Athena and S3: the table it resolves, the
query it runs as of the given time, the result it reads, and its errors."""

import io
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from pipelines_src.feature_store.athena_snapshot import AthenaSnapshotReader, SnapshotQueryError
from pipelines_src.feature_store.point_in_time import snapshot_query
from platform_config.features import FeatureGroupSpec

GROUP = FeatureGroupSpec(
    name="loan-applicants",
    record_identifier="applicant_id",
    event_time="event_time",
    features=(
        {"name": "applicant_id", "type": "String"},
        {"name": "event_time", "type": "String"},
        {"name": "credit_amount", "type": "Integral"},
        {"name": "creditability", "type": "String"},
    ),
)
AS_OF = datetime(2026, 11, 30, 12, 0, 0, 123456, tzinfo=timezone.utc)
WORKGROUP = "mlops-feature-store"
EXECUTION_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
TABLE = {"Catalog": "AwsDataCatalog", "Database": "sagemaker_featurestore", "TableName": "loan_applicants_1764500000"}
RESULT = "s3://mlops-curated-111111111111-eu-west-1/athena-results/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0.csv"
# Athena quotes every value of a CSV result.
ATHENA_CSV = (
    '"applicant_id","event_time","credit_amount","creditability"\n'
    '"a-1","2026-01-01T00:00:00Z","1200","good"\n'
    '"a-2","2026-01-02T00:00:00Z","800","bad"\n'
)


def client(service: str):
    return boto3.client(service, region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing")


class Clients:
    def __init__(self) -> None:
        self.sagemaker, self.athena, self.s3 = client("sagemaker"), client("athena"), client("s3")
        self.stubs = [Stubber(self.sagemaker), Stubber(self.athena), Stubber(self.s3)]
        self.sagemaker_stub, self.athena_stub, self.s3_stub = self.stubs
        self.waits: list[float] = []
        self.now = 0.0

    def reader(self, **options) -> AthenaSnapshotReader:
        return AthenaSnapshotReader(
            sagemaker=self.sagemaker, athena=self.athena, s3=self.s3, workgroup=WORKGROUP,
            sleep=self._sleep, clock=lambda: self.now, poll_seconds=2.0, **options,
        )

    def _sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def describe(self, **overrides) -> None:
        response = {
            "FeatureGroupArn": "arn:aws:sagemaker:eu-west-1:111111111111:feature-group/loan-applicants",
            "FeatureGroupName": "loan-applicants",
            "RecordIdentifierFeatureName": "applicant_id",
            "EventTimeFeatureName": "event_time",
            "FeatureDefinitions": [{"FeatureName": "applicant_id", "FeatureType": "String"}],
            "CreationTime": datetime(2026, 11, 1, tzinfo=timezone.utc),
            "NextToken": "",
            "OfflineStoreConfig": {
                "S3StorageConfig": {"S3Uri": "s3://mlops-curated-111111111111-eu-west-1/feature-store"},
                "DataCatalogConfig": TABLE,
                "TableFormat": "Iceberg",
            },
            **overrides,
        }
        self.sagemaker_stub.add_response("describe_feature_group", response, {"FeatureGroupName": "loan-applicants"})

    def start(self) -> None:
        self.athena_stub.add_response(
            "start_query_execution",
            {"QueryExecutionId": EXECUTION_ID},
            {
                "QueryString": snapshot_query("sagemaker_featurestore.loan_applicants_1764500000", GROUP, AS_OF, dialect="athena"),
                "QueryExecutionContext": {"Catalog": "AwsDataCatalog", "Database": "sagemaker_featurestore"},
                "WorkGroup": WORKGROUP,
            },
        )

    def state(self, state: str, **status) -> None:
        execution = {
            "QueryExecutionId": EXECUTION_ID,
            "Status": {"State": state, **status},
            "ResultConfiguration": {"OutputLocation": RESULT},
        }
        self.athena_stub.add_response("get_query_execution", {"QueryExecution": execution}, {"QueryExecutionId": EXECUTION_ID})

    def result(self, text: str = ATHENA_CSV) -> None:
        body = text.encode()
        self.s3_stub.add_response(
            "get_object",
            {"Body": StreamingBody(io.BytesIO(body), len(body))},
            {"Bucket": "mlops-curated-111111111111-eu-west-1", "Key": f"athena-results/{EXECUTION_ID}.csv"},
        )

    def __enter__(self) -> "Clients":
        for stub in self.stubs:
            stub.activate()
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is None:
            for stub in self.stubs:
                stub.assert_no_pending_responses()
        for stub in self.stubs:
            stub.deactivate()


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

