"""Which version answered a captured request, and the baseline the registry holds for it."""

import base64
import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from pipelines_src.monitoring.versions import RegistryBaselines, split_by_version, version_of

GROUP = "mlops-credit-risk"
IMAGE = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:3.0-5"


def record(output: dict, time: str = "2026-11-20T09:10:00Z") -> dict:
    return {
        "captureData": {
            "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": "1,2", "encoding": "CSV"},
            "endpointOutput": {"mode": "OUTPUT", **output},
        },
        "eventMetadata": {"eventId": "e-1", "inferenceTime": time},
        "eventVersion": "0",
    }


def json_answer(document: object, encoding: str = "JSON") -> dict:
    data = json.dumps(document)
    if encoding == "BASE64":
        data = base64.b64encode(data.encode()).decode()
    return {"observedContentType": "application/json", "data": data, "encoding": encoding}


def csv_answer(text: str) -> dict:
    return {"observedContentType": "text/csv", "data": text, "encoding": "CSV"}


@pytest.mark.parametrize(
    "output, expected",
    [
        (json_answer({"predictions": [{"probability": 0.8}], "model_version": "exec1"}), "exec1"),
        (json_answer({"predictions": [{"probability": 0.8}], "model_version": "exec1"}, "BASE64"), "exec1"),
        (json_answer({"predictions": [{"probability": 0.8, "model_version": "exec1"}] * 2}), "exec1"),
        (csv_answer("0.8,exec1\n0.3,exec1\n"), "exec1"),
        (csv_answer("0.8\n0.3\n"), None),
        (csv_answer("0.8,exec1\n0.3,exec2\n"), None),
        (json_answer({"predictions": [{"probability": 0.8, "model_version": "exec1"},
                                      {"probability": 0.3, "model_version": "exec2"}]}), None),
        (json_answer({"predictions": [{"probability": 0.8}]}), None),
        (json_answer([0.8]), None),
        ({"observedContentType": "application/json", "data": "{not json", "encoding": "JSON"}, None),
    ],
    ids=["json", "base64", "per-prediction", "csv", "csv-without-version", "csv-two-versions",
         "two-versions", "no-version", "bare-list", "not-json"],
)
def test_the_answer_names_the_version(output: dict, expected: object) -> None:
    assert version_of(record(output)) == expected


def test_lines_are_split_by_version_and_unreadable_ones_only_counted(tmp_path: Path) -> None:
    lines = [
        record(json_answer({"predictions": [{"probability": 0.1}], "model_version": "exec1"})),
        record(json_answer({"predictions": [{"probability": 0.2}], "model_version": "exec2"})),
        record(json_answer({"predictions": [{"probability": 0.3}], "model_version": "exec1"})),
        record(json_answer({"predictions": [{"probability": 0.4}], "model_version": "../../etc"})),
        record(json_answer({"predictions": [{"probability": 0.5}]})),
        # Outside the window: neither a version nor unversioned.
        record(json_answer({"predictions": [{"probability": 0.6}], "model_version": "exec3"}),
               time="2026-11-20T10:00:00Z"),
    ]
    path = tmp_path / "capture.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n{broken\n")

    split = split_by_version([path], window=("2026-11-20T09:00:00", "2026-11-20T10:00:00"))

    assert split.versions == ["exec1", "exec2"]
    assert [json.loads(line)["captureData"]["endpointOutput"]["data"] for line in split.lines["exec1"]] == [
        json.dumps({"predictions": [{"probability": 0.1}], "model_version": "exec1"}),
        json.dumps({"predictions": [{"probability": 0.3}], "model_version": "exec1"}),
    ]
    assert split.unversioned == 3


def register(sagemaker, execution: str, *, baseline: bool = True, model_version: bool = False) -> str:
    folder = f"s3://artifacts/models/credit-risk/{execution}/baseline"
    metadata = {"PipelineExecutionArn": f"arn:aws:sagemaker:eu-west-1:111111111111:pipeline/p/execution/{execution}"}
    if model_version:
        metadata = {"ModelVersion": execution, "PipelineExecutionArn": "arn:aws:sagemaker:eu-west-1:1:pipeline/p/execution/x"}
    extra = {}
    if baseline:
        extra["DriftCheckBaselines"] = {"ModelDataQuality": {
            "Statistics": {"ContentType": "application/json", "S3Uri": f"{folder}/statistics.json"},
            "Constraints": {"ContentType": "application/json", "S3Uri": f"{folder}/constraints.json"},
        }}
    return sagemaker.create_model_package(
        ModelPackageGroupName=GROUP,
        ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={"Containers": [{"Image": IMAGE}], "SupportedContentTypes": ["text/csv"],
                                "SupportedResponseMIMETypes": ["text/csv"]},
        CustomerMetadataProperties=metadata,
        **extra,
    )["ModelPackageArn"]


@pytest.fixture
def sagemaker():
    with mock_aws():
        client = boto3.client("sagemaker", region_name="eu-west-1")
        client.create_model_package_group(ModelPackageGroupName=GROUP)
        yield client


def test_each_version_resolves_to_the_baseline_its_own_package_registered(sagemaker) -> None:
    first = register(sagemaker, "exec1")
    second = register(sagemaker, "exec2")
    register(sagemaker, "exec3")

    resolution = RegistryBaselines(sagemaker, GROUP).resolve(["exec1", "exec2"])

    assert {version: baseline.model_package_arn for version, baseline in resolution.baselines.items()} == {
        "exec1": first, "exec2": second,
    }
    assert resolution.baselines["exec2"].statistics_uri == "s3://artifacts/models/credit-risk/exec2/baseline/statistics.json"
    assert resolution.baselines["exec2"].constraints_uri == (
        "s3://artifacts/models/credit-risk/exec2/baseline/constraints.json"
    )
    assert resolution.unresolved == {}


def test_a_package_recording_its_model_version_resolves_by_it(sagemaker) -> None:
    package = register(sagemaker, "exec7", model_version=True)

    resolution = RegistryBaselines(sagemaker, GROUP).resolve(["exec7"])

    assert resolution.baselines["exec7"].model_package_arn == package


def test_versions_without_a_package_or_a_baseline_resolve_to_nothing_with_the_reason(sagemaker) -> None:
    bare = register(sagemaker, "exec1", baseline=False)

    resolution = RegistryBaselines(sagemaker, GROUP).resolve(["exec1", "exec9"])

    assert resolution.baselines == {}
    assert resolution.unresolved == {
        "exec1": f"{bare} has no DriftCheckBaselines.ModelDataQuality statistics and constraints",
        "exec9": f"no package in {GROUP} was registered by execution exec9",
    }


def test_the_newest_registered_baseline_skips_packages_that_registered_none(sagemaker) -> None:
    register(sagemaker, "exec1")
    second = register(sagemaker, "exec2")
    register(sagemaker, "exec3", baseline=False)

    newest = RegistryBaselines(sagemaker, GROUP).newest()

    assert (newest.version, newest.model_package_arn) == ("exec2", second)


def test_a_group_without_a_registered_baseline_has_no_newest(sagemaker) -> None:
    register(sagemaker, "exec1", baseline=False)

    assert RegistryBaselines(sagemaker, GROUP).newest() is None
