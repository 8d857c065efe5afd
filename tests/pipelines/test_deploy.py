"""The deploy CLI: upload the code, upsert the pipeline, start it (moto and botocore's Stubber)."""

import io
import json
import zipfile

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws

from pipelines_src.model_build.deploy import deploy, main, upsert_pipeline
from pipelines_src.model_build.model_settings import feature_group_of, model_settings
from platform_config.naming import build_code_prefix, build_pipeline_name, build_pipeline_role_name
from tests.synth import CONFIG_UNDER_TEST

BUCKET = "mlops-artifacts-111111111111-eu-west-1"
ROLE = "arn:aws:iam::111111111111:role/build-pipeline"
KEY = "arn:aws:kms:eu-west-1:111111111111:key/0000"
PIPELINE = "mlops-credit-risk-build"
TAGS = {"platform": "mlops"}
SECURITY_GROUP = "sg-0123456789abcdef0"
SUBNETS = ("subnet-0123456789abcdef0", "subnet-0123456789abcdef1")


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        yield s3, boto3.client("sagemaker")


@pytest.fixture
def stand_in_render(monkeypatch):
    """A definition naming the values it was rendered with (rendering itself is tested in test_definition)."""

    def render(config, model, values):
        return json.dumps({"Steps": [{"Name": "Preprocess"}], "Values": [values.role_arn, values.kms_key_arn, values.code_s3_uri]})

    monkeypatch.setattr("pipelines_src.model_build.deploy.render_definition", render)


def code_prefix(model) -> str:
    return f"pipelines/{model.name}/code/"


def run_deploy(platform_config, model, aws, *, start=True, commit="abc123"):
    s3, sagemaker = aws
    return deploy(
        platform_config, model, pipeline_name=build_pipeline_name(platform_config, model.name), role_arn=ROLE,
        artifact_bucket=BUCKET, kms_key_arn=KEY, code_prefix=code_prefix(model), security_group_id=SECURITY_GROUP, subnet_ids=SUBNETS, git_commit=commit,
        trigger_reason="git push", start=start, s3=s3, sagemaker=sagemaker,
    )


def test_a_first_deploy_creates_the_pipeline_with_this_accounts_values(platform_config, model, aws) -> None:
    deployment = run_deploy(platform_config, model, aws)
    assert deployment.created
    described = aws[1].describe_pipeline(PipelineName=build_pipeline_name(platform_config, model.name))
    assert described["RoleArn"] == ROLE
    definition = described["PipelineDefinition"]
    assert "${" not in definition and deployment.code_s3_uri in definition and KEY in definition


def test_a_created_pipeline_carries_the_platform_tags(platform_config, model, aws, stand_in_render) -> None:
    deployment = run_deploy(platform_config, model, aws, start=False)
    tags = aws[1].list_tags(ResourceArn=deployment.pipeline_arn)["Tags"]
    assert {tag["Key"]: tag["Value"] for tag in tags} == {**platform_config.tags, "platform": platform_config.name}
def test_every_job_of_the_deployed_pipeline_runs_in_this_accounts_vpc(platform_config, model, aws) -> None:
    run_deploy(platform_config, model, aws, start=False)
    pipeline = build_pipeline_name(platform_config, model.name)
    steps = json.loads(aws[1].describe_pipeline(PipelineName=pipeline)["PipelineDefinition"])["Steps"]
    jobs = [
        step["Arguments"].get("TrainingJobDefinition", step["Arguments"])
        for step in steps
        if step["Type"] in {"Processing", "Training", "Tuning"}
    ]
    networks = [job.get("NetworkConfig", job)["VpcConfig"] for job in jobs]
    count = 6 if model.feature_group is None else 7  # and the Snapshot step
    assert len(jobs) == count
    assert networks == [{"SecurityGroupIds": [SECURITY_GROUP], "Subnets": list(SUBNETS)}] * count


def test_the_code_archive_is_content_addressed_and_holds_the_steps(platform_config, model, aws, stand_in_render) -> None:
    deployment = run_deploy(platform_config, model, aws, start=False)
    key = deployment.code_s3_uri.removeprefix(f"s3://{BUCKET}/")
    assert key.startswith(code_prefix(model)) and key.endswith(".zip")
    body = aws[0].get_object(Bucket=BUCKET, Key=key)["Body"].read()
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert "pipelines_src/model_build/steps/preprocess.py" in archive.namelist()
    # The settings the rendered steps expect: a model with a feature group trains on its snapshot.
    settings = json.loads(json.dumps(model_settings(model, feature_group_of(platform_config, model))))
    assert json.loads(archive.read("model_settings.json")) == settings
    assert run_deploy(platform_config, model, aws, start=False).code_s3_uri == deployment.code_s3_uri


def test_a_second_deploy_updates_the_pipeline(platform_config, model, aws, stand_in_render) -> None:
    run_deploy(platform_config, model, aws, start=False)
    assert run_deploy(platform_config, model, aws, start=False).created is False


def test_the_execution_carries_the_commit_and_the_trigger(platform_config, model, aws, stand_in_render) -> None:
    deployment = run_deploy(platform_config, model, aws, commit="0123abcd")
    parameters = aws[1].list_pipeline_parameters_for_execution(PipelineExecutionArn=deployment.execution_arn)
    assert {item["Name"]: item["Value"] for item in parameters["PipelineParameters"]} == {
        "GitCommit": "0123abcd", "TriggerReason": "git push"
    }


def test_no_start_only_upserts(platform_config, model, aws, stand_in_render) -> None:
    deployment = run_deploy(platform_config, model, aws, start=False)
    assert deployment.execution_arn is None
    pipeline = build_pipeline_name(platform_config, model.name)
    assert aws[1].list_pipeline_executions(PipelineName=pipeline)["PipelineExecutionSummaries"] == []


def test_a_code_prefix_without_a_trailing_slash_is_refused(platform_config, model, aws, stand_in_render) -> None:
    s3, sagemaker = aws
    with pytest.raises(ValueError, match="must end with '/'"):
        deploy(platform_config, model, pipeline_name=PIPELINE, role_arn=ROLE, artifact_bucket=BUCKET, kms_key_arn=KEY,
               code_prefix=code_prefix(model).rstrip("/"), security_group_id=SECURITY_GROUP, subnet_ids=SUBNETS, git_commit="x", trigger_reason="x", start=False, s3=s3, sagemaker=sagemaker)


def test_an_error_other_than_already_exists_stops_the_upsert() -> None:
    sagemaker = boto3.client("sagemaker", region_name="eu-west-1")
    with Stubber(sagemaker) as stub:
        stub.add_client_error("create_pipeline", service_error_code="AccessDeniedException", service_message="not allowed")
        with pytest.raises(ClientError, match="not allowed"):
            upsert_pipeline(sagemaker=sagemaker, name=PIPELINE, role_arn=ROLE, definition="{}", description="d", tags=TAGS)
        stub.assert_no_pending_responses()


def test_an_existing_pipeline_is_updated_with_the_same_request() -> None:
    sagemaker = boto3.client("sagemaker", region_name="eu-west-1")
    request = {"PipelineName": PIPELINE, "PipelineDefinition": "{}", "RoleArn": ROLE, "PipelineDescription": "d"}
    arn = f"arn:aws:sagemaker:eu-west-1:111111111111:pipeline/{PIPELINE}"
    with Stubber(sagemaker) as stub:
        stub.add_client_error(
            "create_pipeline", service_error_code="ValidationException",
            service_message=f"Pipeline names must be unique within an AWS account and region. Pipeline with name ({PIPELINE}) already exists.",
        )
        stub.add_response("update_pipeline", {"PipelineArn": arn}, request)
        assert upsert_pipeline(sagemaker=sagemaker, name=PIPELINE, role_arn=ROLE, definition="{}", description="d", tags=TAGS) == (arn, False)
        stub.assert_no_pending_responses()


def test_the_cli_deploys_every_model_by_the_naming_rules(platform_config, aws, capsys, stand_in_render) -> None:
    main([
        "--config", str(CONFIG_UNDER_TEST), "--all", "--artifact-bucket", BUCKET, "--kms-key-arn", KEY,
        "--security-group-id", SECURITY_GROUP, "--subnet-ids", ",".join(SUBNETS), "--git-commit", "feedface",
    ])
    output = capsys.readouterr().out
    s3, sagemaker = aws
    for model in platform_config.models:
        pipeline = sagemaker.describe_pipeline(PipelineName=build_pipeline_name(platform_config, model.name))
        role = f"arn:aws:iam::{platform_config.accounts.dev.account_id}:role/{build_pipeline_role_name(platform_config, model.name)}"
        assert pipeline["RoleArn"] == role
        [code] = s3.list_objects_v2(Bucket=BUCKET, Prefix=build_code_prefix(model.name))["Contents"]
        assert f"s3://{BUCKET}/{code['Key']}" in pipeline["PipelineDefinition"]
        assert f"{model.name}: created {pipeline['PipelineArn']}" in output
        assert f"{model.name}: started arn:aws:sagemaker" in output


def test_the_cli_deploys_only_the_models_named(platform_config, aws, capsys, stand_in_render) -> None:
    first = platform_config.models[0].name
    main([
        "--config", str(CONFIG_UNDER_TEST), "--model", first, "--artifact-bucket", BUCKET, "--kms-key-arn", KEY,
        "--security-group-id", SECURITY_GROUP, "--subnet-ids", ",".join(SUBNETS), "--git-commit", "feedface", "--no-start",
    ])
    names = [summary["PipelineName"] for summary in aws[1].list_pipelines()["PipelineSummaries"]]
    assert names == [build_pipeline_name(platform_config, first)]
    assert "started" not in capsys.readouterr().out


def test_the_cli_refuses_a_model_the_config_does_not_declare(aws, capsys) -> None:
    with pytest.raises(SystemExit, match=r"--model 'churn': the config declares"):
        main([
            "--config", str(CONFIG_UNDER_TEST), "--model", "churn", "--artifact-bucket", BUCKET, "--kms-key-arn", KEY,
            "--security-group-id", SECURITY_GROUP, "--subnet-ids", ",".join(SUBNETS), "--git-commit", "feedface",
        ])
    assert aws[1].list_pipelines()["PipelineSummaries"] == []
