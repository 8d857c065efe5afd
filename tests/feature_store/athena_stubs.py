"""Stubbed SageMaker, Athena and S3 clients answering as they do for one snapshot query (the
Athena reader's tests, the Snapshot step's and the registration's)."""

import io
from datetime import datetime, timezone
from typing import Any

import boto3
from botocore.response import StreamingBody
from botocore.stub import Stubber

from pipelines_src.feature_store.athena_snapshot import AthenaSnapshotReader
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

    def start(self, group: Any = GROUP, as_of: datetime = AS_OF) -> None:
        self.athena_stub.add_response(
            "start_query_execution",
            {"QueryExecutionId": EXECUTION_ID},
            {
                "QueryString": snapshot_query("sagemaker_featurestore.loan_applicants_1764500000", group, as_of, dialect="athena"),
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
