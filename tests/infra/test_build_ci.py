"""The shared build CI (Dev/BuildCi): git push → the tests, once → every model's build pipeline."""

import json
import re
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from platform_config import ConfigError, PlatformConfig, parse_config
from platform_config.construct_ids import model_stack_id
from platform_config.naming import build_code_prefix, build_pipeline_name, build_pipeline_role_name
from platform_config.platform import Source
from stacks.components.model_build_project import BUILDSPEC
from stacks.platform_app import build_app
from tests.infra.template_queries import as_list, only, resources_of, role_statements
from tests.synth import REPO_ROOT, SynthesizedApp, cdk_json_context

ARTIFACT_BUCKET = "mlops-artifacts-111111111111-eu-west-1"


@pytest.fixture(scope="module")
def build_ci(synthesized: SynthesizedApp) -> dict[str, Any]:
    return synthesized.templates["Dev/BuildCi"]


@pytest.fixture(scope="module")
def project(build_ci) -> dict[str, Any]:
    return only(resources_of(build_ci, "AWS::CodeBuild::Project"))[1]


@pytest.fixture(scope="module")
def project_statements(build_ci, project) -> list[dict[str, Any]]:
    return role_statements(build_ci, project["Properties"]["ServiceRole"]["Fn::GetAtt"][0])


def test_code_pipeline_is_v2_and_starts_on_pushes_to_the_branch_that_touch_a_model(build_ci) -> None:
    Template.from_json(build_ci).has_resource_properties(
        "AWS::CodePipeline::Pipeline",
        {
            "PipelineType": "V2",
            "Triggers": [
                {
                    "ProviderType": "CodeStarSourceConnection",
                    "GitConfiguration": {
                        "SourceActionName": "Source",
                        "Push": [
                            {
                                "Branches": {"Includes": ["main"]},
                                "FilePaths": {"Includes": ["pipelines_src/**", "config/**", "data/**", "buildspecs/**"]},
                            }
                        ],
                    },
                }
            ],
        },
    )


def test_one_push_runs_one_build_whatever_the_number_of_models(build_ci) -> None:
    _, pipeline = only(resources_of(build_ci, "AWS::CodePipeline::Pipeline"))
    [build_stage] = [stage for stage in pipeline["Properties"]["Stages"] if stage["Name"] == "Build"]
    assert [action["Name"] for action in build_stage["Actions"]] == ["BuildModels"]


def test_source_is_the_configured_connection_repository_and_branch(build_ci, platform_config: PlatformConfig) -> None:
    Template.from_json(build_ci).has_resource_properties(
        "AWS::CodePipeline::Pipeline",
        {
            "Stages": Match.array_with(
                [
                    {
                        "Name": "Source",
                        "Actions": [
                            Match.object_like(
                                {
                                    "ActionTypeId": Match.object_like({"Provider": "CodeStarSourceConnection"}),
                                    "Configuration": {
                                        "ConnectionArn": platform_config.source.connection_arn,
                                        "FullRepositoryId": "example-org/mlops-platform",
                                        "BranchName": "main",
                                    },
                                }
                            )
                        ],
                    }
                ]
            )
        },
    )


def test_pipeline_may_use_a_codeconnections_connection(build_ci, platform_config: PlatformConfig) -> None:
    _, pipeline = only(resources_of(build_ci, "AWS::CodePipeline::Pipeline"))
    statements = role_statements(build_ci, pipeline["Properties"]["RoleArn"]["Fn::GetAtt"][0])
    on_connection = [s for s in statements if s["Resource"] == platform_config.source.connection_arn]
    # IAM matches an action's service prefix to the resource's: codestar-connections would allow nothing.
    assert on_connection == [
        {"Action": "codeconnections:UseConnection", "Effect": "Allow", "Resource": platform_config.source.connection_arn}
    ]


def test_build_runs_the_repository_buildspec_with_the_accounts_shared_settings(project) -> None:
    properties = project["Properties"]
    assert properties["Source"] == {"Type": "CODEPIPELINE", "BuildSpec": "buildspecs/model_build.yml"}
    variables = {item["Name"]: item["Value"] for item in properties["Environment"]["EnvironmentVariables"]}
    assert set(variables) == {"ARTIFACT_BUCKET", "KMS_KEY_ARN", "SECURITY_GROUP_ID", "SUBNET_IDS"}
    assert variables["ARTIFACT_BUCKET"] == ARTIFACT_BUCKET
    assert "Dev-Data" in json.dumps(variables["KMS_KEY_ARN"])
    assert "Dev-Network" in json.dumps(variables["SECURITY_GROUP_ID"])
    assert properties["Environment"]["PrivilegedMode"] is False
    assert "VpcConfig" not in properties


def test_the_buildspec_deploys_every_model_of_the_pushed_config() -> None:
    commands = (REPO_ROOT / BUILDSPEC).read_text()
    assert re.search(r"python -m pipelines_src\.model_build\.deploy\s+--config config/platform\.toml\s+--all", commands)


def test_build_receives_the_commit_of_the_push(build_ci) -> None:
    _, pipeline = only(resources_of(build_ci, "AWS::CodePipeline::Pipeline"))
    build_stage = next(stage for stage in pipeline["Properties"]["Stages"] if stage["Name"] == "Build")
    for action in build_stage["Actions"]:
        variables = json.loads(action["Configuration"]["EnvironmentVariables"])
        assert {"name": "GIT_COMMIT", "type": "PLAINTEXT", "value": "#{Source_Source_NS.CommitId}"} in variables


def test_build_may_upsert_and_start_only_build_pipelines_and_pass_only_their_roles(
    project_statements, platform_config: PlatformConfig
) -> None:
    upsert = next(s for s in project_statements if s.get("Sid") == "UpsertAndStartBuildPipelines")
    pattern = build_pipeline_name(platform_config, "*")
    assert upsert["Resource"] == f"arn:aws:sagemaker:eu-west-1:111111111111:pipeline/{pattern}"
    assert "sagemaker:StartPipelineExecution" in upsert["Action"]
    passing = [item for item in project_statements if "iam:PassRole" in as_list(item["Action"])]
    assert [(item["Resource"], item["Condition"]) for item in passing] == [
        (
            f"arn:aws:iam::111111111111:role/{build_pipeline_role_name(platform_config, '*')}",
            {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        )
    ]


def test_every_model_pipeline_role_is_one_the_build_may_pass(
    synthesized: SynthesizedApp, platform_config: PlatformConfig
) -> None:
    for model in platform_config.models:
        template = synthesized.templates[f"Dev/{model_stack_id(model.name)}"]
        [(_, pipeline)] = resources_of(template, "AWS::SageMaker::Pipeline").items()
        role_id = pipeline["Properties"]["RoleArn"]["Fn::GetAtt"][0]
        assert template["Resources"][role_id]["Properties"]["RoleName"] == build_pipeline_role_name(
            platform_config, model.name
        )


def test_ci_artifacts_and_build_logs_live_in_the_ci_pipelines_own_store(build_ci, project) -> None:
    # Not the ML artifact bucket: repository code must neither read training outputs nor delete served models.
    _, pipeline = only(resources_of(build_ci, "AWS::CodePipeline::Pipeline"))
    store = pipeline["Properties"]["ArtifactStore"]
    assert store["Location"] == {"Ref": only(resources_of(build_ci, "AWS::S3::Bucket"))[0]}
    key = store["EncryptionKey"]["Id"]
    assert key == {"Fn::GetAtt": [only(resources_of(build_ci, "AWS::KMS::Key"))[0], "Arn"]}
    assert project["Properties"]["EncryptionKey"] == key
    _, log_group = only(resources_of(build_ci, "AWS::Logs::LogGroup"))
    assert log_group["Properties"]["KmsKeyId"] == key


def test_ci_roles_may_only_write_step_code_in_the_ml_artifact_bucket(build_ci) -> None:
    on_ml_bucket = {
        (name, action, resource)
        for name, policy in resources_of(build_ci, "AWS::IAM::Policy").items()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        for resource in as_list(statement["Resource"])
        if ARTIFACT_BUCKET in json.dumps(resource)
        for action in as_list(statement["Action"])
    }
    assert {(action, resource) for _, action, resource in on_ml_bucket} == {
        ("s3:PutObject", f"arn:aws:s3:::{ARTIFACT_BUCKET}/{build_code_prefix('*')}*")
    }
    assert all(name.startswith("CiBuildModels") for name, _, _ in on_ml_bucket)


def test_ci_store_key_encrypts_only_for_the_ci_stacks_log_groups_and_the_ml_key_not_at_all(
    synthesized: SynthesizedApp, build_ci
) -> None:
    [(_, ci_key)] = resources_of(build_ci, "AWS::KMS::Key").items()
    [logs] = [s for s in ci_key["Properties"]["KeyPolicy"]["Statement"]
              if s.get("Principal") == {"Service": "logs.eu-west-1.amazonaws.com"}]
    assert logs["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:111111111111:log-group:Dev-BuildCi-*"}
    }
    ml_keys = [key for key in resources_of(synthesized.templates["Dev/Data"], "AWS::KMS::Key").values()
               if "ML artifacts" in key["Properties"]["Description"]]
    assert ml_keys
    for key in ml_keys:
        assert "logs." not in json.dumps(key["Properties"]["KeyPolicy"])


def test_buildspec_uses_only_variables_the_build_defines(project) -> None:
    defined = {item["Name"] for item in project["Properties"]["Environment"]["EnvironmentVariables"]} | {"GIT_COMMIT"}
    used = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", (REPO_ROOT / BUILDSPEC).read_text()))
    assert used and used <= defined


# --- the CodeCommit variant ---------------------------------------------------------------


@pytest.fixture(scope="module")
def codecommit_build_ci(platform_config: PlatformConfig, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    config = platform_config.model_copy(
        update={"source": Source(provider="codecommit", repository="mlops-platform", branch="release")}
    )
    app = build_app(config, context=cdk_json_context(), outdir=str(tmp_path_factory.mktemp("codecommit")), nag=False)
    return Template.from_stack(app.node.find_child("Dev").node.find_child("BuildCi")).to_json()


def test_codecommit_source_reads_the_configured_repository_and_branch(codecommit_build_ci) -> None:
    _, pipeline = only(resources_of(codecommit_build_ci, "AWS::CodePipeline::Pipeline"))
    source = next(stage for stage in pipeline["Properties"]["Stages"] if stage["Name"] == "Source")["Actions"][0]
    assert source["ActionTypeId"]["Provider"] == "CodeCommit"
    assert source["Configuration"] == {"RepositoryName": "mlops-platform", "BranchName": "release", "PollForSourceChanges": False}


def test_codecommit_pushes_to_the_branch_start_the_pipeline_through_eventbridge(codecommit_build_ci) -> None:
    _, pipeline = only(resources_of(codecommit_build_ci, "AWS::CodePipeline::Pipeline"))
    assert "Triggers" not in pipeline["Properties"]
    Template.from_json(codecommit_build_ci).has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": Match.object_like(
                {
                    "source": ["aws.codecommit"],
                    "resources": ["arn:aws:codecommit:eu-west-1:111111111111:mlops-platform"],
                    "detail": Match.object_like({"referenceName": ["release"]}),
                }
            ),
            "State": "ENABLED",
        },
    )


def test_codecommit_source_needs_a_repository_name_without_owner(platform_config: PlatformConfig) -> None:
    raw = platform_config.model_dump()
    raw["source"] = {"provider": "codecommit", "repository": "example-org/mlops-platform"}
    with pytest.raises(ConfigError, match=r"source: repository 'example-org/mlops-platform' must be a CodeCommit"):
        parse_config(raw)
