"""Batch scoring: one transform job per tick on the served version, and a manifest per completed job.

SageMaker and S3 are moto; input files are put "at" chosen times by pinning moto's S3 clock.
"""

import hashlib
import json
import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import moto.s3.models
import pytest
from moto import mock_aws

from pipelines_src.monitoring.capture import read_capture_lines
from tests.lambda_handlers import FakeContext, load_handler

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
handler_module = load_handler("batch_scoring")

from batch_job import (  # noqa: E402
    INPUT_MANIFEST,
    MANIFEST,
    BatchSettings,
    EndpointNotServingError,
    ForeignJobError,
    job_name,
    record_completion,
    start_scoring,
)

EVENTS = Path(__file__).resolve().parents[1] / "events" / "batch_scoring"
REGION = "eu-west-1"
BUCKET = "mlops-prod-capture"
ENDPOINT = "mlops-credit-risk"
PACKAGE_ARN = "arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlops-credit-risk/7"
TICK = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
JOB = "mlops-credit-risk-batch-202612010200"
FOLDER = f"batch-output/credit-risk/2026/12/01/{JOB}/"
SETTINGS = BatchSettings(
    endpoint_name=ENDPOINT,
    job_name_prefix="mlops-credit-risk-batch",
    bucket=BUCKET,
    key_arn="arn:aws:kms:eu-west-1:333333333333:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
    input_prefix="batch-input/credit-risk/",
    output_prefix="batch-output/credit-risk/",
    capture_prefix="batch-capture/mlops-credit-risk/",
    window_hours=24,
    content_type="text/csv",
    instance_type="ml.m5.large",
    instance_count=1,
    tags={"platform": "mlops"},
)
ANSWER = b"0.83,pipelines-exec-7\n"
ROWS = b"A11,6,A34,A43,1169,A65,A75,4,A93,A101,4,A121,67,A143,A152,2,A173,1,A192,A201\n"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("BATCH_SCORING", SETTINGS.model_dump_json())
    with mock_aws():
        sagemaker, s3 = boto3.client("sagemaker", region_name=REGION), boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        monkeypatch.setattr(handler_module, "_clients", lambda: (sagemaker, s3))
        yield sagemaker, s3


def serve(sagemaker: Any, package_arn: str = PACKAGE_ARN, model: str = "EndpointModel-v7") -> None:
    """The prod endpoint serving ``package_arn`` through ``model``, as the Endpoint stack deploys it."""
    sagemaker.create_model(
        ModelName=model, ExecutionRoleArn="arn:aws:iam::333333333333:role/mlops-model-execution",
        Containers=[{"ModelPackageName": package_arn}],
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=f"{model}-config",
        ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": model, "InitialInstanceCount": 1,
                             "InstanceType": "ml.m5.large"}],
    )
    # moto has no UpdateEndpoint: a new deployment replaces the endpoint under the same name.
    if sagemaker.list_endpoints(NameContains=ENDPOINT)["Endpoints"]:
        sagemaker.delete_endpoint(EndpointName=ENDPOINT)
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName=f"{model}-config")


def put_input(monkeypatch: pytest.MonkeyPatch, s3: Any, key: str, body: bytes, at: datetime) -> None:
    with monkeypatch.context() as clock:
        clock.setattr(moto.s3.models, "utcnow", lambda: at.replace(tzinfo=None))
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    return handler_module.handler(event, FakeContext(function_name="mlops-credit-risk-batch-scoring"))


# --- the tick ----------------------------------------------------------------------------------


def test_a_tick_starts_one_transform_job_named_after_it_on_the_served_model(aws, monkeypatch) -> None:
    sagemaker, s3 = aws
    serve(sagemaker)
    put_input(monkeypatch, s3, "batch-input/credit-risk/day/applicants.csv", ROWS, TICK - timedelta(hours=1))

    result = start_scoring(sagemaker, s3, SETTINGS, TICK)

    assert (result.outcome, result.job_name) == ("started", JOB)
    job = sagemaker.describe_transform_job(TransformJobName=JOB)
    assert job["ModelName"] == "EndpointModel-v7"
    assert job["TransformInput"]["DataSource"]["S3DataSource"] == {
        "S3DataType": "ManifestFile", "S3Uri": f"s3://{BUCKET}/{FOLDER}{INPUT_MANIFEST}",
    }
    assert job["TransformInput"]["ContentType"] == "text/csv"
    assert job["TransformOutput"]["S3OutputPath"] == f"s3://{BUCKET}/{FOLDER}scores/"
    assert job["TransformOutput"]["KmsKeyId"] == SETTINGS.key_arn
    assert job["TransformResources"]["VolumeKmsKeyId"] == SETTINGS.key_arn


def test_the_job_reads_exactly_the_files_that_arrived_since_the_previous_tick(aws, monkeypatch) -> None:
    sagemaker, s3 = aws
    serve(sagemaker)
    put_input(monkeypatch, s3, "batch-input/credit-risk/old.csv", ROWS, TICK - timedelta(hours=25))
    put_input(monkeypatch, s3, "batch-input/credit-risk/new.csv", ROWS, TICK - timedelta(hours=2))
    put_input(monkeypatch, s3, "batch-input/credit-risk/next.csv", ROWS, TICK + timedelta(minutes=1))

    start_scoring(sagemaker, s3, SETTINGS, TICK)

    listed = json.loads(s3.get_object(Bucket=BUCKET, Key=f"{FOLDER}{INPUT_MANIFEST}")["Body"].read())
    assert listed == [{"prefix": f"s3://{BUCKET}/batch-input/credit-risk/"}, "new.csv"]


def test_a_tick_delivered_twice_starts_one_job(aws, monkeypatch) -> None:
    sagemaker, s3 = aws
    serve(sagemaker)
    put_input(monkeypatch, s3, "batch-input/credit-risk/applicants.csv", ROWS, TICK - timedelta(hours=1))

    first = start_scoring(sagemaker, s3, SETTINGS, TICK)
    second = start_scoring(sagemaker, s3, SETTINGS, TICK)

    assert (first.outcome, second.outcome) == ("started", "duplicate")
    assert [job["TransformJobName"] for job in sagemaker.list_transform_jobs()["TransformJobSummaries"]] == [JOB]


def test_a_tick_without_new_files_starts_nothing(aws) -> None:
    sagemaker, s3 = aws
    serve(sagemaker)

    result = start_scoring(sagemaker, s3, SETTINGS, TICK)

    assert result.outcome == "no-input"
    assert sagemaker.list_transform_jobs()["TransformJobSummaries"] == []


def test_a_tick_scores_with_the_version_deployed_last(aws, monkeypatch) -> None:
    sagemaker, s3 = aws
    serve(sagemaker)
    serve(sagemaker, PACKAGE_ARN.replace("/7", "/8"), model="EndpointModel-v8")
    put_input(monkeypatch, s3, "batch-input/credit-risk/applicants.csv", ROWS, TICK - timedelta(hours=1))

    result = start_scoring(sagemaker, s3, SETTINGS, TICK)

    assert result.detail["model_package_arn"] == PACKAGE_ARN.replace("/7", "/8")
    assert sagemaker.describe_transform_job(TransformJobName=JOB)["ModelName"] == "EndpointModel-v8"


def test_an_endpoint_serving_no_registry_version_is_refused(aws, monkeypatch) -> None:
    sagemaker, s3 = aws
    serve(sagemaker, package_arn="arn:aws:sagemaker:eu-west-1:111111111111:model-package/other")
    put_input(monkeypatch, s3, "batch-input/credit-risk/applicants.csv", ROWS, TICK - timedelta(hours=1))

    with pytest.raises(EndpointNotServingError, match="not a registry version"):
        start_scoring(sagemaker, s3, SETTINGS, TICK)
    assert sagemaker.list_transform_jobs()["TransformJobSummaries"] == []


def test_job_names_fit_sagemaker_and_differ_per_tick() -> None:
    names = {job_name(SETTINGS, TICK + timedelta(minutes=minutes)) for minutes in (0, 1, 60, 24 * 60)}
    assert len(names) == 4 and all(len(name) <= 63 for name in names)


# --- completion --------------------------------------------------------------------------------


def started(monkeypatch: pytest.MonkeyPatch, sagemaker: Any, s3: Any, files: dict[str, bytes]) -> None:
    serve(sagemaker)
    for key, body in files.items():
        put_input(monkeypatch, s3, f"batch-input/credit-risk/{key}", body, TICK - timedelta(hours=1))
    start_scoring(sagemaker, s3, SETTINGS, TICK)
    for key, body in files.items():
        s3.put_object(Bucket=BUCKET, Key=f"{FOLDER}scores/{key}.out", Body=ANSWER * body.count(b"\n"))


def test_a_completed_job_gets_a_manifest_with_the_version_and_each_input_digest(aws, monkeypatch) -> None:
    sagemaker, s3 = aws
    files = {"a.csv": ROWS, "b/c.csv": ROWS * 3}
    started(monkeypatch, sagemaker, s3, files)

    result = record_completion(sagemaker, s3, SETTINGS, JOB, "Completed")

    assert result.outcome == "recorded"
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key=f"{FOLDER}{MANIFEST}")["Body"].read())
    assert manifest["model_package_arn"] == PACKAGE_ARN and manifest["model_package_version"] == 7
    assert manifest["transform_job"] == JOB and manifest["scheduled_time"] == "2026-12-01T02:00:00Z"
    assert manifest["inputs"] == [
        {"key": f"batch-input/credit-risk/{key}", "sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
        for key, body in files.items()
    ]
    assert [output["key"] for output in manifest["outputs"]] == [f"{FOLDER}scores/{key}.out" for key in files]


def test_a_completed_jobs_rows_and_scores_are_captured_where_the_drift_job_reads_them(aws, monkeypatch) -> None:
    sagemaker, s3 = aws
    started(monkeypatch, sagemaker, s3, {"a.csv": ROWS * 2, "b.csv": ROWS})
    ended = sagemaker.describe_transform_job(TransformJobName=JOB)["TransformEndTime"].astimezone(timezone.utc)

    record_completion(sagemaker, s3, SETTINGS, JOB, "Completed")

    key = f"batch-capture/mlops-credit-risk/{ended:%Y/%m/%d/%H}/{JOB}.jsonl"
    lines = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().splitlines()
    captured = read_capture_lines(lines, [f"column_{index}" for index in range(20)])
    assert (captured.rows, captured.malformed_records, captured.records_without_prediction) == (3, 0, 0)
    assert set(captured.versions) == {"pipelines-exec-7"} and list(captured.predictions) == [0.83] * 3
    assert list(captured.inference_ids) == [f"{JOB}/a.csv/1", f"{JOB}/a.csv/2", f"{JOB}/b.csv/1"]
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key=f"{FOLDER}{MANIFEST}")["Body"].read())
    assert manifest["capture"] == {"key": key, "records": 3, "unmatched_lines": 0}


def test_the_manifest_names_the_version_that_scored_even_after_a_new_deployment(aws, monkeypatch) -> None:
    sagemaker, s3 = aws
    started(monkeypatch, sagemaker, s3, {"a.csv": ROWS})
    serve(sagemaker, PACKAGE_ARN.replace("/7", "/8"), model="EndpointModel-v8")

    record_completion(sagemaker, s3, SETTINGS, JOB, "Completed")

    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key=f"{FOLDER}{MANIFEST}")["Body"].read())
    assert manifest["model_package_version"] == 7


def test_a_completion_delivered_twice_writes_the_manifest_once(aws, monkeypatch) -> None:
    sagemaker, s3 = aws
    started(monkeypatch, sagemaker, s3, {"a.csv": ROWS})
    record_completion(sagemaker, s3, SETTINGS, JOB, "Completed")
    first = s3.head_object(Bucket=BUCKET, Key=f"{FOLDER}{MANIFEST}")["ETag"]
    s3.put_object(Bucket=BUCKET, Key=f"{FOLDER}scores/late.out", Body=b"0.1,7\n")

    result = record_completion(sagemaker, s3, SETTINGS, JOB, "Completed")

    assert result.outcome == "duplicate"
    assert s3.head_object(Bucket=BUCKET, Key=f"{FOLDER}{MANIFEST}")["ETag"] == first


def test_a_failed_job_gets_no_manifest(aws, monkeypatch) -> None:
    sagemaker, s3 = aws
    started(monkeypatch, sagemaker, s3, {"a.csv": ROWS})

    result = record_completion(sagemaker, s3, SETTINGS, JOB, "Failed")

    assert result.outcome == "not-completed"
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{FOLDER}{MANIFEST}")


def test_a_job_of_another_prefix_is_refused_before_any_call() -> None:
    with pytest.raises(ForeignJobError):
        record_completion(None, None, SETTINGS, "mlops-credit-risk-batch-2026120102", "Completed")


# --- the handler, one test per event fixture ---------------------------------------------------


def test_handler_starts_a_job_on_the_schedule_tick(aws, monkeypatch) -> None:
    sagemaker, s3 = aws
    serve(sagemaker)
    put_input(monkeypatch, s3, "batch-input/credit-risk/applicants.csv", ROWS, TICK - timedelta(hours=1))

    result = invoke(fixture("tick"))

    assert (result["outcome"], result["job_name"]) == ("started", JOB)


def test_handler_records_a_completed_job(aws, monkeypatch) -> None:
    sagemaker, s3 = aws
    started(monkeypatch, sagemaker, s3, {"a.csv": ROWS})

    assert invoke(fixture("transform_completed"))["outcome"] == "recorded"


def test_handler_reports_a_failed_job_without_writing(aws, monkeypatch) -> None:
    sagemaker, s3 = aws
    started(monkeypatch, sagemaker, s3, {"a.csv": ROWS})

    assert invoke(fixture("transform_failed"))["outcome"] == "not-completed"
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{FOLDER}{MANIFEST}")


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        ("tick_without_zone", ValueError, "scheduled_time"),
        ("tick_with_unknown_key", ValueError, "job_name"),
        ("transform_without_status", ValueError, "TransformJobStatus"),
        ("not_from_sagemaker", ValueError, "source"),
        ("transform_of_another_job", ForeignJobError, "mlops-breast-cancer-batch"),
    ],
)
def test_handler_rejects_malformed_or_foreign_events_without_side_effects(aws, monkeypatch, name, error, message) -> None:
    sagemaker, s3 = aws
    serve(sagemaker)
    put_input(monkeypatch, s3, "batch-input/credit-risk/applicants.csv", ROWS, TICK - timedelta(hours=1))
    before = s3.list_objects_v2(Bucket=BUCKET)["KeyCount"]

    with pytest.raises(error, match=message):
        invoke(fixture(name))

    assert sagemaker.list_transform_jobs()["TransformJobSummaries"] == []
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == before


def test_handler_refuses_bad_settings_naming_the_field(aws, monkeypatch) -> None:
    monkeypatch.setenv("BATCH_SCORING", SETTINGS.model_copy(update={"window_hours": 0}).model_dump_json())
    handler_module._settings.cache_clear()
    try:
        with pytest.raises(ValueError, match="window_hours"):
            invoke(fixture("tick"))
    finally:
        handler_module._settings.cache_clear()
