"""The build pipeline of a model that reads a feature group (the credit-risk example): a Snapshot
step as of ``AsOfTime`` feeds Preprocess, and the registered version records what it read.

The last test resolves the rendered RegisterModel step the way SageMaker does (parameters,
execution variables, step properties, the Snapshot step's own ``snapshot.json``) and sends the
CreateModelPackage request it makes to moto."""

import json
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from moto import mock_aws

from pipelines_src.feature_store import snapshot_job
from pipelines_src.feature_store.snapshot_files import AS_OF, CSV_SHA256, LINEAGE_KEYS, QUERY_SHA256, ROWS, SNAPSHOT_ID
from pipelines_src.model_build import step_names
from pipelines_src.model_build.deploy_values import DeployValues
from pipelines_src.model_build.model_settings import feature_group_of, model_settings
from pipelines_src.model_build.render import render_definition
from platform_config import load_config
from tests.feature_store.athena_stubs import EXECUTION_ID, Clients
from tests.models_under_test import CREDIT_RISK
from tests.synth import DEFAULT_CONFIG_PATH

SNAPSHOT_PROPERTY_FILE = {"Get": "Steps.Snapshot.PropertyFiles.FeatureSnapshot"}
VALUES = DeployValues(
    role_arn="arn:aws:iam::111111111111:role/mlops-credit-risk-build",
    artifact_bucket="mlops-artifacts-111111111111-eu-west-1",
    kms_key_arn="arn:aws:kms:eu-west-1:111111111111:key/0000",
    code_s3_uri="s3://mlops-artifacts-111111111111-eu-west-1/pipelines/credit-risk/code/abc.zip",
    security_group_id="sg-0123456789abcdef0",
    subnet_ids=("subnet-0123456789abcdef0",),
)


@pytest.fixture(scope="module")
def config():
    return load_config(DEFAULT_CONFIG_PATH)


@pytest.fixture(scope="module")
def definition(config) -> dict[str, Any]:
    return json.loads(render_definition(config, config.model(CREDIT_RISK), VALUES))


def steps(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {step["Name"]: step for step in definition["Steps"]}
    gate = found[step_names.QUALITY_GATE]["Arguments"]
    return {**found, **{step["Name"]: step for step in gate["IfSteps"] + gate["ElseSteps"]}}


def test_the_snapshot_step_reads_the_models_feature_group_as_of_the_as_of_time(definition) -> None:
    snapshot = steps(definition)[step_names.SNAPSHOT]["Arguments"]
    arguments = snapshot["AppSpecification"]["ContainerArguments"]

    assert dict(zip(arguments[::2], arguments[1::2])) == {
        "--feature-group": "loan-applicants",
        "--as-of": {"Get": "Parameters.AsOfTime"},
        "--execution-start": {"Get": "Execution.StartDateTime"},
        "--output-dir": "/opt/ml/processing/output/snapshot",
        "--workgroup": "mlops-feature-store",
        "--store": "athena",
    }
    assert "python3 -m pipelines_src.feature_store.snapshot_job " in snapshot["AppSpecification"]["ContainerEntrypoint"][2]


def test_as_of_time_defaults_to_the_execution_start_and_no_raw_csv_parameter_remains(definition) -> None:
    parameters = {parameter["Name"]: parameter for parameter in definition["Parameters"]}

    assert parameters["AsOfTime"] == {"Name": "AsOfTime", "Type": "String", "DefaultValue": snapshot_job.EXECUTION_START}
    assert not {"InputDataUri", "PiiKeySecretId"} & set(parameters)


def test_preprocess_reads_the_snapshot_and_no_key(definition) -> None:
    preprocess = steps(definition)[step_names.PREPROCESS]["Arguments"]
    raw = next(item for item in preprocess["ProcessingInputs"] if item["InputName"] == "raw")

    assert raw["S3Input"]["S3Uri"] == {"Get": "Steps.Snapshot.ProcessingOutputConfig.Outputs['snapshot'].S3Output.S3Uri"}
    assert "ContainerArguments" not in preprocess["AppSpecification"]


def test_the_registered_version_takes_the_snapshots_lineage_from_its_snapshot_json(definition) -> None:
    metadata = steps(definition)[step_names.REGISTER]["Arguments"]["CustomerMetadataProperties"]

    def json_get(path: str) -> dict:
        return {"Std:JsonGet": {"Path": path, "PropertyFile": SNAPSHOT_PROPERTY_FILE}}

    assert {key: metadata[key] for key in LINEAGE_KEYS} == {
        AS_OF: json_get("as_of"),
        QUERY_SHA256: json_get("query_sha256"),
        SNAPSHOT_ID: json_get("snapshot_id"),
        ROWS: {"Std:Join": {"On": "", "Values": [json_get("rows")]}},
        CSV_SHA256: json_get("sha256"),
    }


def test_without_a_feature_group_the_model_reads_its_csv_files_as_before(config) -> None:
    model = config.model(CREDIT_RISK).model_copy(update={"feature_group": None})
    rendered = json.loads(render_definition(config, model, VALUES))

    names = [step["Name"] for step in rendered["Steps"]]
    assert names == list(step_names.ORDER)
    assert {"InputDataUri", "PiiKeySecretId"} <= {parameter["Name"] for parameter in rendered["Parameters"]}
    assert not set(LINEAGE_KEYS) & set(steps(rendered)[step_names.REGISTER]["Arguments"]["CustomerMetadataProperties"])


class _Execution:
    """Resolves a step's arguments as SageMaker does for one execution."""

    def __init__(self, definition: dict[str, Any], property_files: dict[str, dict], variables: dict[str, str]) -> None:
        self.parameters = {parameter["Name"]: parameter["DefaultValue"] for parameter in definition["Parameters"]}
        self.property_files, self.variables = property_files, variables

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Get"}:
            return self._get(value["Get"])
        if set(value) == {"Std:Join"}:
            join = value["Std:Join"]
            return join["On"].join(str(self.resolve(item)) for item in join["Values"])
        if set(value) == {"Std:JsonGet"}:
            get = value["Std:JsonGet"]
            document = self.property_files[get["PropertyFile"]["Get"]]
            for part in get["Path"].split("."):
                document = document[part]
            return document
        return {key: self.resolve(item) for key, item in value.items()}

    def _get(self, reference: str) -> Any:
        if reference.startswith("Parameters."):
            return self.parameters[reference.removeprefix("Parameters.")]
        if reference.startswith("Execution."):
            return self.variables[reference]
        # A step output's S3 URI: its place under the artifact bucket is all registration needs.
        step = reference.split(".")[1]
        return f"s3://{VALUES.artifact_bucket}/pipelines/credit-risk/execution-1/{step}/output"


def test_the_create_model_package_request_records_the_snapshot_it_trained_on(monkeypatch, tmp_path, config, definition) -> None:
    # The Snapshot step's own output, from stubbed Athena.
    model = config.model(CREDIT_RISK)
    settings_file = tmp_path / "model_settings.json"
    settings_file.write_text(json.dumps(model_settings(model, feature_group_of(config, model))))
    with Clients() as clients:
        clients.describe()
        clients.start(group=feature_group_of(config, model), as_of=datetime(2026, 11, 30, 12, 0, 0, 123000, tzinfo=timezone.utc))
        clients.state("SUCCEEDED")
        clients.result()
        monkeypatch.setattr(snapshot_job, "_athena_reader", lambda workgroup: clients.reader())
        snapshot_job.main(
            ["--feature-group", "loan-applicants", "--as-of", snapshot_job.EXECUTION_START,
             "--execution-start", "2026-11-30T12:00:00.123Z", "--output-dir", str(tmp_path / "snapshot"),
             "--workgroup", "mlops-feature-store", "--settings", str(settings_file)],
        )
    snapshot = json.loads((tmp_path / "snapshot" / "snapshot.json").read_text())
    execution = _Execution(
        definition,
        property_files={
            "Steps.Snapshot.PropertyFiles.FeatureSnapshot": snapshot,
            "Steps.Preprocess.PropertyFiles.DataDigest": {"digest": "sha256:" + "0" * 64},
        },
        variables={
            "Execution.PipelineExecutionArn": "arn:aws:sagemaker:eu-west-1:111111111111:pipeline/mlops-credit-risk-build/execution/execution-1",
            "Execution.PipelineExecutionId": "execution-1",
        },
    )
    request = execution.resolve(steps(definition)[step_names.REGISTER]["Arguments"])

    with mock_aws():
        sagemaker = boto3.client("sagemaker", region_name="eu-west-1")
        sagemaker.create_model_package_group(ModelPackageGroupName=request["ModelPackageGroupName"])
        arn = sagemaker.create_model_package(**request)["ModelPackageArn"]
        registered = sagemaker.describe_model_package(ModelPackageName=arn)["CustomerMetadataProperties"]

    assert {key: registered[key] for key in LINEAGE_KEYS} == {
        AS_OF: "2026-11-30T12:00:00.123Z",
        QUERY_SHA256: snapshot["query_sha256"],
        SNAPSHOT_ID: EXECUTION_ID,
        ROWS: "2",
        CSV_SHA256: snapshot["sha256"],
    }
