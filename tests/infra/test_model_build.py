"""Each model's dev stack: its SageMaker build pipeline and its role (CI on git push: test_build_ci)."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3

from pipelines_src.model_build import step_names
from stacks.components.platform_network import PlatformNetwork
from stacks.components.sagemaker_pipeline import SageMakerPipeline, UnknownPlaceholderError
from platform_config import PlatformConfig
from platform_config.accounts import ImportedNetwork
from stacks.rendered_pipelines import RENDERED_PIPELINES_DIR, BuildOutputError, RenderedPipeline, load_rendered_pipeline
from platform_config.construct_ids import model_stack_id
from platform_config.naming import TUNING_JOB_MODEL_TAG_KEY, training_checkpoint_prefix
from tests.infra.template_queries import as_list, only, resources_of, role_statements
from tests.synth import SynthesizedApp

# For the construct-level tests that need a model name, not a synthesized model.
MODEL = "credit-risk"
PIPELINE_NAME = "mlops-credit-risk-build"
ARTIFACT_BUCKET = "mlops-artifacts-111111111111-eu-west-1"
CURATED_BUCKET = "mlops-curated-111111111111-eu-west-1"
RAW_BUCKET = "mlops-raw-111111111111-eu-west-1"
# Pinned: a new logical id replaces the secret, and a new key changes every pseudonym.
PII_KEY_SECRET_ID = "PiiHashKeyD2ECFCF8"


@pytest.fixture(scope="module")
def pipeline_name(model_name: str) -> str:
    return f"mlops-{model_name}-build"


@pytest.fixture(scope="module")
def model_build(synthesized: SynthesizedApp, model_name: str) -> dict[str, Any]:
    return synthesized.templates[f"Dev/{model_stack_id(model_name)}"]


@pytest.fixture(scope="module")
def sagemaker_pipeline(model_build: dict[str, Any]) -> dict[str, Any]:
    return only(resources_of(model_build, "AWS::SageMaker::Pipeline"))[1]["Properties"]


@pytest.fixture(scope="module")
def pipeline_role_id(sagemaker_pipeline: dict[str, Any]) -> str:
    return sagemaker_pipeline["RoleArn"]["Fn::GetAtt"][0]


@pytest.fixture(scope="module")
def pipeline_role_statements(model_build: dict[str, Any], pipeline_role_id: str) -> list[dict[str, Any]]:
    return role_statements(model_build, pipeline_role_id)


@pytest.fixture(scope="module")
def definition_sub(sagemaker_pipeline: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    body, variables = sagemaker_pipeline["PipelineDefinition"]["PipelineDefinitionBody"]["Fn::Sub"]
    return body, variables


@pytest.fixture(scope="module")
def definition(definition_sub: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """The definition as SageMaker receives it, with each deploy-time value shown as <Name>."""
    body, _ = definition_sub
    return json.loads(re.sub(r"\$\{([^}!]+)\}", r"<\1>", body))


def statement(statements: list[dict[str, Any]], sid: str) -> dict[str, Any]:
    return next(item for item in statements if item.get("Sid") == sid)


# --- the SageMaker pipeline ---------------------------------------------------------


# What CloudFormation documents inside an Fn::Sub variable map.
SUB_MAP_FUNCTIONS = {
    "Fn::Base64", "Fn::FindInMap", "Fn::GetAtt", "Fn::GetAZs", "Fn::If", "Fn::ImportValue", "Fn::Join",
    "Fn::Select", "Fn::Sub", "Ref",
}


def intrinsics(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {key for key in value if key.startswith("Fn::") or key == "Ref"} | {
            name for inner in value.values() for name in intrinsics(inner)
        }
    if isinstance(value, list):
        return {name for inner in value for name in intrinsics(inner)}
    return set()


def test_deploy_time_values_use_only_functions_fn_sub_documents(definition_sub) -> None:
    _, variables = definition_sub
    used = intrinsics(variables)
    assert "Fn::ImportValue" in used
    assert used <= SUB_MAP_FUNCTIONS


def test_pipeline_has_the_build_pipeline_name_and_a_role_only_sagemaker_assumes(
    model_build, sagemaker_pipeline, pipeline_name
) -> None:
    assert sagemaker_pipeline["PipelineName"] == pipeline_name
    role = model_build["Resources"][sagemaker_pipeline["RoleArn"]["Fn::GetAtt"][0]]
    assert role["Type"] == "AWS::IAM::Role"
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}}
    ]


def test_definition_runs_the_build_steps_in_order(definition, model) -> None:
    order = step_names.order(feature_group=model.feature_group is not None, tuned=model.tuning.enabled)
    assert [step["Name"] for step in definition["Steps"]] == list(order)


def test_definition_gates_registration_and_fails_otherwise(definition) -> None:
    gate = next(step for step in definition["Steps"] if step["Name"] == step_names.QUALITY_GATE)
    assert gate["Type"] == "Condition"
    assert [step["Name"] for step in gate["Arguments"]["IfSteps"]] == [step_names.REGISTER]
    assert [(step["Name"], step["Type"]) for step in gate["Arguments"]["ElseSteps"]] == [(step_names.GATE_FAILED, "Fail")]


def test_deploy_time_values_are_the_role_bucket_key_and_code_asset(definition_sub, pipeline_role_id) -> None:
    _, variables = definition_sub
    assert variables["PipelineRoleArn"] == {"Fn::GetAtt": [pipeline_role_id, "Arn"]}
    assert variables["ArtifactBucket"] == ARTIFACT_BUCKET
    assert "Dev-Data" in json.dumps(variables["KmsKeyArn"])
    assert re.fullmatch(r"s3://cdk-[a-z0-9]+-assets-111111111111-eu-west-1/[0-9a-f]{64}\.zip", variables["CodeS3Uri"])


def dev_network_outputs(synthesized: SynthesizedApp) -> dict[str, Any]:
    """The Dev/Network output values (``Fn::GetAtt``/``Ref`` of its resources), by output name."""
    return {name: output["Value"] for name, output in synthesized.templates["Dev/Network"]["Outputs"].items()}


def from_network(synthesized: SynthesizedApp, value: Any) -> Any:
    """``value`` with each Fn::GetStackOutput or Fn::ImportValue of Dev-Network replaced by what
    that output holds."""
    if isinstance(value, list):
        return [from_network(synthesized, item) for item in value]
    if isinstance(value, dict) and "Fn::GetStackOutput" in value:
        assert value["Fn::GetStackOutput"]["StackName"] == "Dev-Network"
        return dev_network_outputs(synthesized)[value["Fn::GetStackOutput"]["OutputName"]]
    if isinstance(value, dict) and "Fn::ImportValue" in value:
        exports = {
            output["Export"]["Name"]: output["Value"]
            for output in synthesized.templates["Dev/Network"]["Outputs"].values()
            if "Export" in output
        }
        return exports[value["Fn::ImportValue"]]
    if isinstance(value, dict):
        return {key: from_network(synthesized, item) for key, item in value.items()}
    return value


WORKLOAD_SG = {"Fn::GetAtt": ["NetworkWorkloadSecurityGroup768B39D0", "GroupId"]}
WORKLOAD_SUBNETS = [{"Ref": "NetworkVpcWorkloadsSubnet1Subnet2565F861"}, {"Ref": "NetworkVpcWorkloadsSubnet2Subnet612C785B"}]


def test_jobs_run_in_the_dev_vpcs_subnets_with_the_workload_security_group(synthesized, definition_sub) -> None:
    _, variables = definition_sub
    assert from_network(synthesized, variables["SecurityGroupId"]) == WORKLOAD_SG
    assert from_network(synthesized, variables["SubnetIds"]) == {"Fn::Join": ['", "', WORKLOAD_SUBNETS]}


def test_the_build_deploys_the_pipeline_into_the_same_network(synthesized, definition_sub) -> None:
    _, project = only(resources_of(synthesized.templates["Dev/BuildCi"], "AWS::CodeBuild::Project"))
    variables = {item["Name"]: item["Value"] for item in project["Properties"]["Environment"]["EnvironmentVariables"]}
    assert from_network(synthesized, variables["SECURITY_GROUP_ID"]) == WORKLOAD_SG
    assert from_network(synthesized, variables["SUBNET_IDS"]) == {"Fn::Join": [",", WORKLOAD_SUBNETS]}


def test_pipeline_role_creates_network_interfaces_only_in_the_platform_subnets(synthesized, pipeline_role_statements) -> None:
    create = from_network(synthesized, statement(pipeline_role_statements, "CreateJobNetworkInterfaces"))
    assert create["Action"] == "ec2:CreateNetworkInterface"
    prefix = "arn:aws:ec2:eu-west-1:111111111111:"
    assert create["Resource"] == [
        f"{prefix}network-interface/*",
        {"Fn::Join": ["", [f"{prefix}security-group/", WORKLOAD_SG]]},
        *({"Fn::Join": ["", [f"{prefix}subnet/", subnet]]} for subnet in WORKLOAD_SUBNETS),
    ]


def test_pipeline_role_manages_only_network_interfaces_of_the_platform_vpc(synthesized, pipeline_role_statements) -> None:
    manage = from_network(synthesized, statement(pipeline_role_statements, "ManageJobNetworkInterfaces"))
    assert manage["Resource"] == "arn:aws:ec2:eu-west-1:111111111111:network-interface/*"
    assert manage["Condition"] == {
        "StringEquals": {"ec2:Vpc": {"Fn::Join": ["", ["arn:aws:ec2:eu-west-1:111111111111:vpc/", {"Ref": "NetworkVpc7FB7348F"}]]}}
    }
    ec2_actions = {action for item in pipeline_role_statements for action in as_list(item["Action"]) if action.startswith("ec2:")}
    assert ec2_actions - {action for action in ec2_actions if action.startswith("ec2:Describe")} == {
        "ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
        "ec2:DeleteNetworkInterfacePermission",
    }


def test_step_code_ships_as_an_asset_of_the_rendered_code_folder(
    synthesized: SynthesizedApp, definition_sub, model_name
) -> None:
    _, variables = definition_sub
    asset_hash = Path(variables["CodeS3Uri"]).stem
    manifest = next(synthesized.outdir.glob(f"assembly-Dev/Dev{model_stack_id(model_name)}*.assets.json"))
    source = json.loads(manifest.read_text())["files"][asset_hash]["source"]
    assert source["packaging"] == "zip"
    shipped = synthesized.outdir / "assembly-Dev" / source["path"]
    rendered = RENDERED_PIPELINES_DIR / model_name / "code"

    def files(root: Path) -> set[str]:
        return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file() and "__pycache__" not in path.parts}

    assert files(shipped) == files(rendered) != set()


# --- the PII pseudonymization key -------------------------------------------------------


def test_pii_key_secret_is_the_one_the_pipeline_reads_by_default(model_build, definition, model) -> None:
    defaults = {item["Name"]: item["DefaultValue"] for item in definition["Parameters"]}
    secrets = resources_of(model_build, "AWS::SecretsManager::Secret")
    if model.feature_group is None:
        assert list(secrets) == [PII_KEY_SECRET_ID]
        assert secrets[PII_KEY_SECRET_ID]["Properties"]["Name"] == defaults["PiiKeySecretId"] == f"mlops/{model.name}/pii-hash-key"
    else:
        # Ingestion removed the PII, with the feature group's own key: the build has and reads no key.
        assert secrets == {} and "PiiKeySecretId" not in defaults


def test_pii_key_secret_is_generated_and_encrypted_with_the_data_key(synthesized, platform_config) -> None:
    csv_models = [model for model in platform_config.models if model.feature_group is None]
    ingestion = synthesized.templates["Dev/FeatureIngestion"]["Resources"]
    keys = [synthesized.templates[f"Dev/{model_stack_id(model.name)}"]["Resources"][PII_KEY_SECRET_ID] for model in csv_models]
    keys += [resource for resource in ingestion.values() if resource["Type"] == "AWS::SecretsManager::Secret"]
    assert len(keys) == len(csv_models) + len(platform_config.feature_groups)
    for key in keys:
        assert key["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
        assert "DataKey" in json.dumps(key["Properties"]["KmsKeyId"])


# --- the pipeline role ----------------------------------------------------------------


def test_pipeline_role_reads_exactly_the_step_code_object(pipeline_role_statements, definition_sub) -> None:
    _, variables = definition_sub
    bucket, key = variables["CodeS3Uri"].removeprefix("s3://").split("/", 1)
    assert statement(pipeline_role_statements, "ReadStepCode")["Resource"] == f"arn:aws:s3:::{bucket}/{key}"
    listing = statement(pipeline_role_statements, "ListStepCode")
    assert (listing["Resource"], listing["Condition"]) == (f"arn:aws:s3:::{bucket}", {"StringEquals": {"s3:prefix": key}})


def test_pipeline_role_reads_only_its_pii_key_secret(pipeline_role_statements, model) -> None:
    reading = [item for item in pipeline_role_statements if "secretsmanager:GetSecretValue" in as_list(item["Action"])]
    assert [item["Resource"] for item in reading] == ([] if model.feature_group else [{"Ref": PII_KEY_SECRET_ID}])


def test_pipeline_role_of_a_model_reading_features_cannot_read_raw_data(pipeline_role_statements, model) -> None:
    readable = {
        resource for item in pipeline_role_statements if "s3:GetObject" in as_list(item["Action"])
        for resource in as_list(item["Resource"])
    }
    assert any(RAW_BUCKET in json.dumps(resource) for resource in readable) == (model.feature_group is None)


def test_pipeline_role_has_no_wildcard_actions(pipeline_role_statements) -> None:
    actions = [action for item in pipeline_role_statements for action in as_list(item["Action"])]
    assert actions and not [action for action in actions if "*" in action]


def test_pipeline_role_registers_only_pending_versions_in_the_models_group(pipeline_role_statements, model_name) -> None:
    registering = [item for item in pipeline_role_statements if "sagemaker:CreateModelPackage" in as_list(item["Action"])]
    assert registering == [
        {
            "Sid": "RegisterPendingModelVersions",
            "Action": "sagemaker:CreateModelPackage",
            "Condition": {"StringEquals": {"sagemaker:ModelApprovalStatus": "PendingManualApproval"}},
            "Effect": "Allow",
            "Resource": [
                f"arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/mlops-{model_name}",
                f"arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlops-{model_name}/*",
            ],
        }
    ]


def test_pipeline_role_passes_only_itself_and_only_to_sagemaker(pipeline_role_statements, pipeline_role_id) -> None:
    passing = [item for item in pipeline_role_statements if "iam:PassRole" in as_list(item["Action"])]
    assert len(passing) == 1
    assert passing[0]["Resource"] == {"Fn::GetAtt": [pipeline_role_id, "Arn"]}
    assert passing[0]["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


def test_pipeline_role_writes_only_under_its_models_prefixes(pipeline_role_statements, model) -> None:
    writable = [
        resource
        for item in pipeline_role_statements
        if "s3:PutObject" in as_list(item["Action"])
        for resource in as_list(item["Resource"])
    ]
    bucket = f"arn:aws:s3:::{ARTIFACT_BUCKET}"
    # A model reading a feature group also writes its snapshot query's results, where the workgroup puts them.
    athena_results = [f"arn:aws:s3:::{CURATED_BUCKET}/athena-results/*"] if model.feature_group else []
    # A model trained on spot capacity also syncs its checkpoints.
    checkpoints = [f"{bucket}/{training_checkpoint_prefix(model.name)}*"] if model.training.spot.enabled else []
    assert sorted(writable) == sorted(
        [f"{bucket}/models/{model.name}/*", f"{bucket}/pipelines/{model.name}/*", *athena_results, *checkpoints]
    )


def test_pipeline_role_deletes_only_checkpoints_and_only_for_spot_training(pipeline_role_statements, model) -> None:
    deletable = [
        resource
        for item in pipeline_role_statements
        if "s3:DeleteObject" in as_list(item["Action"])
        for resource in as_list(item["Resource"])
    ]
    spot = model.training.spot.enabled
    assert deletable == ([f"arn:aws:s3:::{ARTIFACT_BUCKET}/{training_checkpoint_prefix(model.name)}*"] if spot else [])


def test_pipeline_role_touches_tuning_jobs_only_when_the_model_tunes_and_only_its_own(pipeline_role_statements, model) -> None:
    tuning = [item for item in pipeline_role_statements if any("HyperParameterTuningJob" in action for action in as_list(item["Action"]))]
    if not model.tuning.enabled:
        assert tuning == []
        return
    assert {key for item in tuning for key in item["Condition"]["StringEquals"]} == {
        f"aws:RequestTag/{TUNING_JOB_MODEL_TAG_KEY}", f"aws:ResourceTag/{TUNING_JOB_MODEL_TAG_KEY}"
    }
    assert {value for item in tuning for value in item["Condition"]["StringEquals"].values()} == {model.name}


def test_pipeline_role_starts_only_pipeline_jobs(pipeline_role_statements) -> None:
    jobs = statement(pipeline_role_statements, "RunPipelineJobs")
    assert sorted(jobs["Resource"]) == [
        "arn:aws:sagemaker:eu-west-1:111111111111:processing-job/pipelines-*",
        "arn:aws:sagemaker:eu-west-1:111111111111:training-job/pipelines-*",
    ]


def test_pipeline_role_pulls_only_the_images_the_definition_uses(pipeline_role_statements, definition_sub) -> None:
    body, _ = definition_sub
    images = set(re.findall(r"(\d{12})\.dkr\.ecr\.eu-west-1\.amazonaws\.com/([a-z0-9._/-]+):", body))
    pulls = statement(pipeline_role_statements, "PullStepImages")
    assert images and sorted(as_list(pulls["Resource"])) == sorted(
        f"arn:aws:ecr:eu-west-1:{account}:repository/{name}" for account, name in images
    )


# --- build outputs -----------------------------------------------------------------------


def test_a_missing_rendered_pipeline_fails_naming_the_make_command(platform_config: PlatformConfig, tmp_path: Path) -> None:
    with pytest.raises(BuildOutputError, match=r"model 'churn'.*make render CONFIG="):
        load_rendered_pipeline(platform_config, "churn", tmp_path)


def test_a_placeholder_the_app_does_not_provide_fails_synth_naming_it(tmp_path: Path) -> None:
    rendered = RenderedPipeline(model_name=MODEL, definition='{"Steps": ["${TrainingImage}"]}', code_dir=tmp_path)
    stack = Stack(App(), "Scratch", env={"account": "111111111111", "region": "eu-west-1"})
    network = PlatformNetwork(
        stack,
        "Network",
        network=ImportedNetwork(
            mode="import", vpc_id="vpc-0123456789abcdef0", cidr="10.30.0.0/16",
            subnet_ids=("subnet-0123456789abcdef0", "subnet-0123456789abcdef1"), availability_zones=("eu-west-1a", "eu-west-1b"),
        ),
        interface_services=(),
        log_retention=logs.RetentionDays.ONE_WEEK,
        removal_policy=RemovalPolicy.DESTROY,
    )
    with pytest.raises(UnknownPlaceholderError, match=r"\$\{TrainingImage\}"):
        SageMakerPipeline(
            stack,
            "Pipeline",
            rendered=rendered,
            pipeline_name=PIPELINE_NAME,
            model_package_group="mlops-credit-risk",
            input_buckets=[],
            input_keys=[],
            artifact_bucket=s3.Bucket.from_bucket_name(stack, "Artifacts", ARTIFACT_BUCKET),
            artifact_key=kms.Key.from_key_arn(stack, "Key", "arn:aws:kms:eu-west-1:111111111111:key/example"),
            artifact_prefixes=["models/credit-risk/"],
            secrets=[],
            network=network,
            role_name="mlops-credit-risk-build",
        )
