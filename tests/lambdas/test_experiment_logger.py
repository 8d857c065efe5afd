"""The experiment logger: a finished build pipeline execution becomes one MLflow run on the tracking server.

SageMaker is a botocore Stubber (moto implements no ListPipelineExecutionSteps and drops
CustomerMetadataProperties), S3 is moto holding a real local build's files at the cloud layout,
and the tracking server is ``FakeTrackingServer``: an in-memory MLflow that checks each request's
SigV4 signature headers and its shape against the MLflow REST API.
"""

import hashlib
import io
import json
import os
import re
import sys
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.credentials import Credentials
from botocore.stub import Stubber
from moto import mock_aws

from pipelines_src.experiments import run_record as run_record_module

# The function imports the record by bare name, as shipped beside its handler: one module object.
sys.modules.setdefault("run_record", run_record_module)
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

from tests.lambda_handlers import FakeContext, load_handler, stubbed_clients  # noqa: E402

handler_module = load_handler("experiment_logger")

import build_files  # noqa: E402
from experiment_log import LoggerSettings, UnknownPipelineError  # noqa: E402
from mlflow_rest import MlflowRest  # noqa: E402

EVENTS = Path(__file__).resolve().parents[1] / "events" / "experiment_logger"
REGION = "eu-west-1"
ACCOUNT = "111111111111"
BUCKET = f"mlops-artifacts-{ACCOUNT}-{REGION}"
SERVER_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:mlflow-tracking-server/mlops-experiments"
PIPELINE = "mlops-credit-risk-build"
EXECUTION_ID = "k7q2m9x4w1z8"
EXECUTION_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/{PIPELINE}/execution/{EXECUTION_ID}"
PACKAGE_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/mlops-credit-risk/4"
COMMIT = "4f9c2e1a7b3d5c8e0f2a4b6c8d0e1f3a5b7c9d1e"
SETTINGS = LoggerSettings(pipelines="mlops-{model}-build", artifact_bucket=BUCKET, artifact_prefix="mlflow/")
LINEAGE = {"GitCommit": COMMIT, "DataDigest": "sha256:abc", "ModelVersion": EXECUTION_ID}
# Where each step wrote (the pipeline's layout) and which local files it holds.
STEP_FILES = {
    build_files.PREPROCESS: ("metadata", f"models/credit-risk/{EXECUTION_ID}/metadata", "preprocess/metadata", ("data_digest.json", "preprocess_report.json")),
    build_files.EVALUATE: ("evaluation", f"pipelines/credit-risk/{EXECUTION_ID}/Evaluate", "evaluation", ("evaluation.json",)),
    build_files.FAIRNESS: ("fairness", f"pipelines/credit-risk/{EXECUTION_ID}/Fairness", "fairness",
                           ("bias.json", "explainability.json", "gate.json", "report.html")),
    build_files.PACKAGE: ("model", f"models/credit-risk/{EXECUTION_ID}/model", "model", ("model.tar.gz",)),
    build_files.SNAPSHOT: ("snapshot", f"pipelines/credit-risk/{EXECUTION_ID}/Snapshot/snapshot", "snapshot", ("snapshot.json",)),
}
CODE_KEY = "pipelines/credit-risk/code/0123abcd.zip"

# Each endpoint's method and the fields of its request (MLflow's service.proto); required ones first.
ENDPOINTS = {
    "experiments/get-by-name": ("GET", {"experiment_name"}, set()),
    "experiments/create": ("POST", {"name"}, {"artifact_location", "tags"}),
    "runs/search": ("POST", {"experiment_ids"}, {"filter", "max_results", "run_view_type", "order_by", "page_token"}),
    "runs/create": ("POST", {"experiment_id"}, {"run_name", "start_time", "tags", "user_id"}),
    "runs/log-batch": ("POST", {"run_id"}, {"metrics", "params", "tags"}),
    "runs/set-tag": ("POST", {"run_id", "key", "value"}, set()),
    "runs/update": ("POST", {"run_id"}, {"status", "end_time", "run_name"}),
}


class FakeTrackingServer:
    """An MLflow tracking server behind SageMaker's front door, in memory."""

    def __init__(self, artifact_bucket: str = BUCKET) -> None:
        self.artifact_bucket = artifact_bucket
        self.requests: list[tuple[str, dict]] = []
        self.experiments: dict[str, str] = {}
        self.runs: dict[str, dict[str, Any]] = {}

    def __call__(self, method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        parts = urlsplit(url)
        assert parts.scheme == "https" and parts.netloc == f"{REGION}.experiments.sagemaker.aws"
        endpoint = parts.path.removeprefix("/api/2.0/mlflow/")
        assert headers["x-mlflow-sm-tracking-server-arn"] == SERVER_ARN
        assert headers["X-Amz-Content-SHA256"] == hashlib.sha256(body).hexdigest()
        authorization = headers["Authorization"]
        assert f"/{REGION}/sagemaker-mlflow/aws4_request" in authorization
        signed = re.search(r"SignedHeaders=([^,]+)", authorization).group(1).split(";")
        assert {"host", "x-amz-content-sha256", "x-amz-date", "x-mlflow-sm-tracking-server-arn"} <= set(signed)
        assert "+" not in parts.query, "spaces must be %20 for the signature"
        request = {key: values[0] for key, values in parse_qs(parts.query).items()} if method == "GET" else json.loads(body)
        expected_method, required, optional = ENDPOINTS[endpoint]
        assert method == expected_method, endpoint
        assert required <= set(request) <= required | optional, (endpoint, request)
        self.requests.append((endpoint, request))
        return getattr(self, endpoint.replace("/", "_").replace("-", "_"))(request)

    @staticmethod
    def _answer(document: dict, status: int = 200) -> tuple[int, bytes]:
        return status, json.dumps(document).encode()

    def experiments_get_by_name(self, request: dict) -> tuple[int, bytes]:
        if request["experiment_name"] not in self.experiments:
            return self._answer({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no such experiment"}, 404)
        return self._answer({"experiment": {"experiment_id": self.experiments[request["experiment_name"]]}})

    def experiments_create(self, request: dict) -> tuple[int, bytes]:
        self.experiments[request["name"]] = str(len(self.experiments) + 1)
        return self._answer({"experiment_id": self.experiments[request["name"]]})

    def runs_search(self, request: dict) -> tuple[int, bytes]:
        key, value = re.fullmatch(r"tags\.`(.+)` = '(.+)'", request["filter"]).groups()
        found = [run for run in self.runs.values()
                 if run["info"]["experiment_id"] in request["experiment_ids"] and run["tags"].get(key) == value]
        return self._answer({"runs": [{"info": run["info"]} for run in found[: request.get("max_results", 1000)]]})

    def runs_create(self, request: dict) -> tuple[int, bytes]:
        run_id = f"run{len(self.runs) + 1:029d}"
        info = {
            "run_id": run_id, "experiment_id": request["experiment_id"], "status": "RUNNING",
            "run_name": request.get("run_name"),
            "artifact_uri": f"s3://{self.artifact_bucket}/mlflow/{request['experiment_id']}/{run_id}/artifacts",
        }
        self.runs[run_id] = {"info": info, "params": {}, "metrics": {}, "tags": {t["key"]: t["value"] for t in request.get("tags", [])}}
        return self._answer({"run": {"info": info}})

    def runs_log_batch(self, request: dict) -> tuple[int, bytes]:
        run = self.runs[request["run_id"]]
        for param in request.get("params", []):
            assert set(param) == {"key", "value"} and isinstance(param["value"], str)
            if run["params"].get(param["key"], param["value"]) != param["value"]:
                return self._answer({"error_code": "INVALID_PARAMETER_VALUE", "message": "param changed"}, 400)
            run["params"][param["key"]] = param["value"]
        for metric in request.get("metrics", []):
            assert set(metric) == {"key", "value", "timestamp", "step"} and isinstance(metric["timestamp"], int)
            run["metrics"][metric["key"]] = metric["value"]
        for tag in request.get("tags", []):
            assert set(tag) == {"key", "value"}
            run["tags"][tag["key"]] = tag["value"]
        return self._answer({})

    def runs_set_tag(self, request: dict) -> tuple[int, bytes]:
        self.runs[request["run_id"]]["tags"][request["key"]] = request["value"]
        return self._answer({})

    def runs_update(self, request: dict) -> tuple[int, bytes]:
        assert request["status"] in {"RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"}
        self.runs[request["run_id"]]["info"]["status"] = request["status"]
        return self._answer({"run_info": self.runs[request["run_id"]]["info"]})


def event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def job_name(step: str) -> str:
    return f"pipelines-{EXECUTION_ID}-{step.lower()}-a1b2c3d4e5"


def steps_response(*, stopped_after: str | None = None, registered: bool = True) -> dict:
    order = [build_files.SNAPSHOT, build_files.PREPROCESS, "Train", build_files.PACKAGE, build_files.EVALUATE,
             build_files.FAIRNESS, "MonitoringBaseline"]
    steps = []
    for step in order:
        if stopped_after and order.index(step) > order.index(stopped_after):
            steps.append({"StepName": step, "StepStatus": "Failed", "FailureReason": f"{step} ran out of memory",
                          "Metadata": {"ProcessingJob": {"Arn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:processing-job/{job_name(step)}"}}})
            break
        kind = {"TrainingJob": {"Arn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/{job_name(step)}"}} if step == "Train" else {
            "ProcessingJob": {"Arn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:processing-job/{job_name(step)}"}}
        steps.append({"StepName": step, "StepStatus": "Succeeded", "Metadata": kind})
    if registered and not stopped_after:
        steps.append({"StepName": "RegisterModel", "StepStatus": "Succeeded", "Metadata": {"RegisterModel": {"Arn": PACKAGE_ARN}}})
    return {"PipelineExecutionSteps": list(reversed(steps))}


def described(step: str) -> dict:
    output, prefix, _, _ = STEP_FILES[step]
    return {
        "ProcessingJobName": job_name(step),
        "ProcessingJobArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:processing-job/{job_name(step)}",
        "ProcessingJobStatus": "Completed",
        "ProcessingInputs": [{"InputName": "code", "S3Input": {
            "S3Uri": f"s3://{BUCKET}/{CODE_KEY}", "LocalPath": "/opt/ml/processing/input/code", "S3DataType": "S3Prefix",
            "S3InputMode": "File"}}],
        "ProcessingOutputConfig": {"Outputs": [{"OutputName": output, "S3Output": {
            "S3Uri": f"s3://{BUCKET}/{prefix}", "LocalPath": f"/opt/ml/processing/output/{output}", "S3UploadMode": "EndOfJob"}}]},
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 30}},
        "AppSpecification": {"ImageUri": "image"},
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/mlops-credit-risk-build",
        "CreationTime": "2026-12-01T21:22:00Z",
    }


def queue_execution(stub: Stubber, *, stopped_after: str | None = None, registered: bool = True,
                    metadata: dict[str, str] | None = None) -> None:
    """The SageMaker calls one logging makes, in order, with their exact requests."""
    stub.add_response("list_pipeline_execution_steps", steps_response(stopped_after=stopped_after, registered=registered),
                      {"PipelineExecutionArn": EXECUTION_ARN})
    stub.add_response("list_pipeline_parameters_for_execution",
                      {"PipelineParameters": [{"Name": "TriggerReason", "Value": "git-push"}, {"Name": "GitCommit", "Value": COMMIT}]},
                      {"PipelineExecutionArn": EXECUTION_ARN})
    if stopped_after:
        return
    for step in (build_files.PREPROCESS, build_files.EVALUATE, build_files.FAIRNESS, build_files.PACKAGE, build_files.SNAPSHOT):
        stub.add_response("describe_processing_job", described(step), {"ProcessingJobName": job_name(step)})
    if registered:
        stub.add_response("describe_model_package", {
            "ModelPackageName": "mlops-credit-risk", "ModelPackageArn": PACKAGE_ARN, "CreationTime": "2026-12-01T21:39:00Z",
            "ModelPackageStatus": "Completed", "ModelPackageStatusDetails": {"ValidationStatuses": []},
            "CustomerMetadataProperties": metadata if metadata is not None else dict(LINEAGE),
        }, {"ModelPackageName": PACKAGE_ARN})
        stub.add_response("update_model_package", {"ModelPackageArn": PACKAGE_ARN}, {
            "ModelPackageArn": PACKAGE_ARN,
            "CustomerMetadataProperties": {**(metadata if metadata is not None else LINEAGE), "MlflowRunId": "run" + "1".zfill(29)},
        })


@pytest.fixture(scope="module")
def build(local_builds):
    return local_builds.credit_risk()


@pytest.fixture
def s3(build):
    """moto's S3 with the build's files where the cloud steps write them, and the step code zip."""
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        for _, prefix, folder, files in STEP_FILES.values():
            for name in files:
                client.put_object(Bucket=BUCKET, Key=f"{prefix}/{name}", Body=(build.out / folder / name).read_bytes())
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as code:
            code.writestr("model_settings.json", (build.out / "model_settings.json").read_text())
        client.put_object(Bucket=BUCKET, Key=CODE_KEY, Body=archive.getvalue())
        yield client


@pytest.fixture
def server() -> FakeTrackingServer:
    return FakeTrackingServer()


@pytest.fixture
def invoke(monkeypatch, s3, server):
    """Call the handler as Lambda does, with Stubbed SageMaker, moto S3 and the fake server."""
    monkeypatch.setenv("LOGGER_SETTINGS", json.dumps(SETTINGS.__dict__))
    monkeypatch.setenv("TRACKING_SERVER_ARN", SERVER_ARN)
    handler_module._settings.cache_clear()
    monkeypatch.setattr(handler_module, "_s3", lambda: s3)
    monkeypatch.setattr(handler_module, "_mlflow", lambda: MlflowRest(SERVER_ARN, Credentials("AKIDEXAMPLE", "secret"), send=server))

    def call(name: str) -> dict:
        return handler_module.handler(event(name), FakeContext("experiment-logger"))

    return call


def only_run(server: FakeTrackingServer) -> dict:
    [run] = server.runs.values()
    return run


def test_a_succeeded_execution_becomes_a_finished_run_of_the_models_experiment(monkeypatch, invoke, server, build) -> None:
    with stubbed_clients(monkeypatch, handler_module, REGION, "sagemaker") as (sagemaker,):
        queue_execution(sagemaker)
        result = invoke("succeeded")
    run = only_run(server)
    assert result["outcome"] == "logged" and result["run_id"] == run["info"]["run_id"]
    assert list(server.experiments) == ["credit-risk"] and run["info"]["status"] == "FINISHED"
    evaluation = json.loads((build.out / "evaluation" / "evaluation.json").read_text())
    assert run["metrics"]["auc"] == evaluation["binary_classification_metrics"]["auc"]["value"]
    hyperparameters = json.loads((build.out / "model_settings.json").read_text())["training"]["hyperparameters"]
    assert {name: run["params"][name] for name in hyperparameters} == {name: str(value) for name, value in hyperparameters.items()}
    digest = json.loads((build.out / "preprocess" / "metadata" / "data_digest.json").read_text())
    assert run["tags"]["git_commit"] == COMMIT and run["tags"]["data_sha256"] == digest["sha256"]
    assert run["tags"]["pipeline_execution"] == EXECUTION_ARN and run["tags"]["run_source"] == "cloud"
    assert run["tags"]["model_package_arn"] == PACKAGE_ARN
    snapshot = json.loads((build.out / "snapshot" / "snapshot.json").read_text())
    assert run["tags"]["feature_snapshot.sha256"] == snapshot["sha256"]


def test_the_cloud_run_holds_what_the_local_run_would_log(monkeypatch, invoke, server, build) -> None:
    """Same files, same record: only the execution-specific tags differ."""
    with stubbed_clients(monkeypatch, handler_module, REGION, "sagemaker") as (sagemaker,):
        queue_execution(sagemaker)
        invoke("succeeded")
    run = only_run(server)
    read = lambda *path: json.loads(build.out.joinpath(*path).read_text())  # noqa: E731
    local = run_record_module.run_record(
        run_record_module.BuildOutputs(
            settings=read("model_settings.json"), evaluation=read("evaluation", "evaluation.json"),
            bias=read("fairness", "bias.json"), gate=read("fairness", "gate.json"),
            digest=read("preprocess", "metadata", "data_digest.json"),
            preprocess_report=read("preprocess", "metadata", "preprocess_report.json"),
        ),
        source="local", execution="local:x", model_version="local:x", git_commit=COMMIT,
    )
    assert run["params"] == local.params and run["metrics"] == local.metrics


def test_reports_and_model_are_copied_into_the_runs_artifact_store(monkeypatch, invoke, server, s3, build) -> None:
    with stubbed_clients(monkeypatch, handler_module, REGION, "sagemaker") as (sagemaker,):
        queue_execution(sagemaker)
        invoke("succeeded")
    run = only_run(server)
    prefix = run["info"]["artifact_uri"].removeprefix(f"s3://{BUCKET}/") + "/"
    stored = {item["Key"].removeprefix(prefix) for item in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)["Contents"]}
    assert stored == set(run_record_module.ARTIFACTS)
    report = s3.get_object(Bucket=BUCKET, Key=f"{prefix}fairness/report.html")["Body"].read()
    assert report == (build.out / "fairness" / "report.html").read_bytes()


def test_the_registered_version_names_the_run_and_keeps_its_lineage(monkeypatch, invoke) -> None:
    # The Stubber checks the UpdateModelPackage request: the lineage entries plus MlflowRunId.
    with stubbed_clients(monkeypatch, handler_module, REGION, "sagemaker") as (sagemaker,):
        queue_execution(sagemaker, metadata={**LINEAGE, "deployment.staging.endpoint": "mlops-credit-risk"})
        assert invoke("succeeded")["model_package_arn"] == PACKAGE_ARN


def test_a_redelivered_event_logs_no_second_run(monkeypatch, invoke, server) -> None:
    with stubbed_clients(monkeypatch, handler_module, REGION, "sagemaker") as (sagemaker,):
        queue_execution(sagemaker)
        first = invoke("succeeded")
    logged = len(server.requests)
    with stubbed_clients(monkeypatch, handler_module, REGION, "sagemaker"):
        second = invoke("succeeded")
    assert second["outcome"] == "duplicate" and second["run_id"] == first["run_id"]
    assert len(server.runs) == 1
    assert [endpoint for endpoint, _ in server.requests[logged:]] == ["experiments/get-by-name", "runs/search"]


def test_a_run_left_unfinished_by_an_earlier_attempt_is_completed_not_duplicated(monkeypatch, invoke, server) -> None:
    server.experiments["credit-risk"] = "1"
    server.runs_create({"experiment_id": "1", "run_name": "credit-risk-k7q2m9x4w1z8", "tags": [
        {"key": "pipeline_execution", "value": EXECUTION_ARN}]})
    with stubbed_clients(monkeypatch, handler_module, REGION, "sagemaker") as (sagemaker,):
        queue_execution(sagemaker)
        result = invoke("succeeded")
    assert len(server.runs) == 1 and result["run_id"] == only_run(server)["info"]["run_id"]
    assert only_run(server)["info"]["status"] == "FINISHED" and "auc" in only_run(server)["metrics"]


def test_an_execution_that_stopped_early_is_a_failed_run_with_the_reason(monkeypatch, invoke, server, s3) -> None:
    with stubbed_clients(monkeypatch, handler_module, REGION, "sagemaker") as (sagemaker,):
        queue_execution(sagemaker, stopped_after=build_files.PREPROCESS)
        result = invoke("failed")
    run = only_run(server)
    assert result["outcome"] == "logged" and run["info"]["status"] == "FAILED"
    assert run["tags"]["failure_reason"] == "Train: Train ran out of memory"
    assert run["tags"]["git_commit"] == COMMIT and run["metrics"] == {}
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="mlflow/").get("KeyCount") == 0


def test_a_failed_gate_is_a_failed_run_with_every_metric(monkeypatch, invoke, server) -> None:
    with stubbed_clients(monkeypatch, handler_module, REGION, "sagemaker") as (sagemaker,):
        queue_execution(sagemaker, registered=False)
        invoke("failed")
    run = only_run(server)
    assert run["info"]["status"] == "FAILED" and "auc" in run["metrics"]
    assert run["tags"]["pipeline_status"] == "Failed" and "model_package_arn" not in run["tags"]


@pytest.mark.parametrize(
    "name",
    ["malformed_without_execution_arn", "malformed_execution_of_another_pipeline", "malformed_from_another_account",
     "other_pipeline"],
)
def test_malformed_events_are_rejected_before_any_call(monkeypatch, invoke, server, s3, name) -> None:
    # No response is queued: any SageMaker call would fail the test.
    with stubbed_clients(monkeypatch, handler_module, REGION, "sagemaker"):
        result = invoke(name)
    assert result["outcome"] == "rejected"
    assert server.requests == []
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="mlflow/").get("KeyCount") == 0


def test_an_artifact_store_outside_the_platforms_prefix_is_refused(monkeypatch, invoke, server, s3) -> None:
    server.artifact_bucket = "someone-elses-bucket"
    with stubbed_clients(monkeypatch, handler_module, REGION, "sagemaker") as (sagemaker,):
        sagemaker.add_response("list_pipeline_execution_steps", steps_response(), {"PipelineExecutionArn": EXECUTION_ARN})
        sagemaker.add_response("list_pipeline_parameters_for_execution", {"PipelineParameters": []},
                               {"PipelineExecutionArn": EXECUTION_ARN})
        for step in (build_files.PREPROCESS, build_files.EVALUATE, build_files.FAIRNESS, build_files.PACKAGE, build_files.SNAPSHOT):
            sagemaker.add_response("describe_processing_job", described(step), {"ProcessingJobName": job_name(step)})
        with pytest.raises(ValueError, match="outside"):
            invoke("succeeded")


def test_pipelines_are_matched_by_the_naming_rule() -> None:
    assert SETTINGS.model_of("mlops-breast-cancer-build") == "breast-cancer"
    for name in ("mlops-loan-applicants-ingestion", "mlops--build", "other-credit-risk-build"):
        with pytest.raises(UnknownPipelineError):
            SETTINGS.model_of(name)


def test_the_steps_and_outputs_read_are_the_pipelines() -> None:
    from pipelines_src.model_build.render import render_definition
    from platform_config import load_config
    from tests.models_under_test import credit_risk
    from tests.synth import DEFAULT_CONFIG_PATH

    definition = json.loads(render_definition(load_config(DEFAULT_CONFIG_PATH), credit_risk()))
    outputs = {step["Name"]: {item["OutputName"] for item in step["Arguments"]["ProcessingOutputConfig"]["Outputs"]}
               for step in definition["Steps"] if step["Type"] == "Processing"}
    inputs = {step["Name"]: {item["InputName"] for item in step["Arguments"]["ProcessingInputs"]}
              for step in definition["Steps"] if step["Type"] == "Processing"}
    for step, output in (build_files.METADATA, build_files.EVALUATION, build_files.FAIRNESS_OUTPUT, build_files.MODEL,
                         build_files.SNAPSHOT_OUTPUT):
        assert output in outputs[step], (step, output)
    assert build_files.CODE_INPUT in inputs[build_files.PREPROCESS]
    register = definition["Steps"][-1]["Arguments"]["IfSteps"][0]
    assert register["Name"] == build_files.REGISTER
    assert build_files.GIT_COMMIT_PARAMETER in {parameter["Name"] for parameter in definition["Parameters"]}
