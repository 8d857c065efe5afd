"""Promotion (dev): approval event → trigger → each model's pipeline through staging, smoke test, approval and prod."""

import importlib
import json
import os
from pathlib import Path

import pytest
import yaml
from aws_cdk.assertions import Match, Template

from stacks.components.endpoint_template_synth import BUILDSPEC
from platform_config.construct_ids import model_stack_id
from platform_config import PlatformConfig
from platform_config.models import ModelConfig
from stacks.cross_account import promotion_role_names, role_arn, serving_role_names
from stacks.endpoint_templates import MissingTemplateError, collect
from platform_config.naming import (
    approval_topic_name,
    endpoint_name,
    endpoint_stack_name,
    model_package_group_name,
    promotion_artifact_bucket_name,
    promotion_pipeline_name,
)
from tests.lambda_handlers import load_handler
from tests.synth import REPO_ROOT, SynthesizedApp

MODEL_PACKAGE = "#{variables.ModelPackageArn}"
# Pinned: renaming one replaces the resource, and with it the data or the key.
STATEFUL_LOGICAL_IDS = {
    "Key961B73FD": "AWS::KMS::Key",
    "PipelineArtifactsKeyD772A621": "AWS::KMS::Key",
    "PipelineArtifactsBucketA44B8E48": "AWS::S3::Bucket",
    "ApprovalTriggerIdempotencyTableCA833811": "AWS::DynamoDB::Table",
}


@pytest.fixture(scope="module")
def promotion(synthesized: SynthesizedApp) -> Template:
    return synthesized.template("Dev/Promotion")


@pytest.fixture(scope="module")
def pipeline(synthesized: SynthesizedApp, model: ModelConfig) -> dict:
    """The model's promotion pipeline, in its own dev stack."""
    model_stack = synthesized.templates[f"Dev/{model_stack_id(model.name)}"]
    (resource,) = [r for r in model_stack["Resources"].values()
                   if r["Type"] == "AWS::CodePipeline::Pipeline" and r["Properties"].get("Name", "").endswith("-promotion")]
    return resource["Properties"]


def _named(promotion: Template, resource_type: str, name_property: str, name: str) -> str:
    """The logical id of the Promotion resource the model stacks refer to by ``name``."""
    ((logical_id, _),) = promotion.find_resources(resource_type, {"Properties": {name_property: name}}).items()
    return logical_id


def _function_id(promotion: Template, action: dict) -> str:
    return _named(promotion, "AWS::Lambda::Function", "FunctionName", action["Configuration"]["FunctionName"])


def _pipeline_role_id(promotion: Template, config: PlatformConfig) -> str:
    return _named(promotion, "AWS::IAM::Role", "RoleName", promotion_role_names(config).pipeline)


def _actions(pipeline: dict, stage: str) -> dict[str, dict]:
    (found,) = [s for s in pipeline["Stages"] if s["Name"] == stage]
    return {action["Name"]: action for action in found["Actions"]}


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _serving_roots(config: PlatformConfig) -> list[str]:
    return [f"arn:aws:iam::{getattr(config.accounts, a).account_id}:root" for a in ("staging", "prod")]


def _deployers(config: PlatformConfig) -> list[str]:
    return [role_arn(config, a, serving_role_names(config).endpoint_deployer) for a in ("staging", "prod")]


def test_stateful_resources_keep_their_logical_ids(promotion):
    resources = promotion.to_json()["Resources"]
    assert {logical_id: resources[logical_id]["Type"] for logical_id in STATEFUL_LOGICAL_IDS} == STATEFUL_LOGICAL_IDS


def test_staging_deploys_before_the_smoke_test_before_the_approval_before_prod(pipeline):
    stages = [stage["Name"] for stage in pipeline["Stages"]]
    assert stages == ["Source", "Synth", "Staging", "Test", "Approve", "Prod"]
    kinds = [[action["ActionTypeId"]["Provider"] for action in stage["Actions"]] for stage in pipeline["Stages"]]
    assert kinds[2:] == [["Lambda", "CloudFormation", "Lambda"], ["Lambda"], ["Manual"], ["Lambda", "CloudFormation", "Lambda"]]


@pytest.mark.parametrize("account", ["staging", "prod"])
def test_approval_is_checked_immediately_before_each_deploy(pipeline, platform_config, model, account):
    stage = account.capitalize()
    run_order = {name: action["RunOrder"] for name, action in _actions(pipeline, stage).items()}
    assert sorted(run_order, key=run_order.get) == ["CheckApproval", "DeployEndpoint", "RecordDeployment"]
    assert len(set(run_order.values())) == 3, "actions sharing a run order run in parallel"
    check = _actions(pipeline, stage)["CheckApproval"]
    assert check["ActionTypeId"]["Provider"] == "Lambda"
    assert json.loads(check["Configuration"]["UserParameters"]) == {
        "model_package_arn": MODEL_PACKAGE,
        "model_package_group_name": model_package_group_name(platform_config, model.name),
        "stage": account,
        # The open-source engine resolves baselines itself: a version without one still deploys.
        "require_baselines": False,
    }


def test_approval_check_runs_the_approval_check_function(promotion, pipeline):
    functions = {_function_id(promotion, _actions(pipeline, stage)["CheckApproval"]) for stage in ("Staging", "Prod")}
    (function_id,) = functions
    function = promotion.to_json()["Resources"][function_id]["Properties"]
    assert function["Handler"] == "handler.handler"
    assert function["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == "approval_check"


def test_approval_check_may_only_describe_versions_of_the_platforms_groups_and_list_versions(
    promotion, pipeline, platform_config
):
    function_id = _function_id(promotion, _actions(pipeline, "Prod")["CheckApproval"])
    role_id = promotion.to_json()["Resources"][function_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = [
        statement
        for policy in promotion.find_resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    sagemaker = {
        (action, json.dumps(s["Resource"]))
        for s in statements for action in _as_list(s["Action"]) if action.startswith("sagemaker:")
    }
    dev = platform_config.accounts.dev.account_id
    versions = f"arn:aws:sagemaker:{platform_config.region}:{dev}:model-package/{model_package_group_name(platform_config, '*')}/*"
    # ListModelPackages has no resource type: the check lists the group it is given (served_version.py).
    assert sagemaker == {("sagemaker:DescribeModelPackage", json.dumps(versions)), ("sagemaker:ListModelPackages", '"*"')}
    granted = {a for s in statements for a in _as_list(s["Action"])}
    assert granted - {"sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"} == {
        "sqs:SendMessage", "kms:Decrypt", "kms:GenerateDataKey", "xray:PutTelemetryRecords", "xray:PutTraceSegments",
        "codepipeline:PutJobFailureResult", "codepipeline:PutJobSuccessResult",
    }


def test_pipeline_role_uses_the_connection_with_its_own_service_prefix(promotion, pipeline, platform_config):
    assert pipeline["RoleArn"].endswith(f":role/{promotion_role_names(platform_config).pipeline}")
    role_id = _pipeline_role_id(promotion, platform_config)
    on_connection = [
        statement
        for policy in promotion.find_resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Resource"] == platform_config.source.connection_arn
    ]
    assert platform_config.source.connection_arn.split(":")[2] == "codeconnections"
    assert [statement["Action"] for statement in on_connection] == ["codeconnections:UseConnection"]


def test_pipeline_is_v2_queued_and_named_with_a_required_model_package_variable(pipeline, platform_config, model):
    assert pipeline["PipelineType"] == "V2"
    assert pipeline["ExecutionMode"] == "QUEUED"
    assert pipeline["Name"] == promotion_pipeline_name(platform_config, model.name)
    (variable,) = pipeline["Variables"]
    assert variable["Name"] == "ModelPackageArn" and "DefaultValue" not in variable


def test_no_push_to_the_repository_starts_a_promotion(pipeline):
    (source,) = _actions(pipeline, "Source").values()
    assert source["Configuration"]["DetectChanges"] is False
    assert "Triggers" not in pipeline


@pytest.mark.parametrize("account", ["staging", "prod"])
def test_deploy_actions_create_or_update_the_endpoint_stack_through_the_serving_roles(
    pipeline, platform_config, model, account
):
    names = serving_role_names(platform_config)
    stack_name = endpoint_stack_name(platform_config, model.name)
    deploy = _actions(pipeline, account.capitalize())["DeployEndpoint"]
    assert deploy["ActionTypeId"]["Provider"] == "CloudFormation"
    assert deploy["RoleArn"] == role_arn(platform_config, account, names.endpoint_deployer)
    configuration = deploy["Configuration"]
    # CREATE_UPDATE never replaces a stack a failed first create left in ROLLBACK_COMPLETE.
    assert configuration["ActionMode"] == "REPLACE_ON_FAILURE"
    assert configuration["StackName"] == stack_name
    assert configuration["RoleArn"] == role_arn(platform_config, account, names.cloudformation_execution)
    assert json.loads(configuration["ParameterOverrides"]) == {"ModelPackageArn": MODEL_PACKAGE}
    assert configuration["TemplatePath"] == f"EndpointTemplates::{account}/{stack_name}.template.json"
    assert "Capabilities" not in configuration


@pytest.mark.parametrize("account", ["staging", "prod"])
def test_each_deployment_is_recorded_on_the_model_version_after_it_succeeds(pipeline, platform_config, model, account):
    actions = _actions(pipeline, account.capitalize())
    record = actions["RecordDeployment"]
    assert record["ActionTypeId"]["Provider"] == "Lambda"
    assert record["RunOrder"] > actions["DeployEndpoint"]["RunOrder"]
    assert json.loads(record["Configuration"]["UserParameters"]) == {
        "model_package_arn": MODEL_PACKAGE,
        "account": getattr(platform_config.accounts, account).account_id,
        "endpoint_name": endpoint_name(platform_config, model.name),
        "stage": account,
        "pipeline_execution_id": "#{codepipeline.PipelineExecutionId}",
    }


def test_smoke_test_checks_the_staging_endpoint_against_the_configured_thresholds(pipeline, platform_config, model):
    smoke = model.serving.smoke_test
    (action,) = _actions(pipeline, "Test").values()
    assert json.loads(action["Configuration"]["UserParameters"]) == {
        "model_package_arn": MODEL_PACKAGE,
        "model_name": model.name,
        "endpoint_name": endpoint_name(platform_config, model.name),
        "samples": smoke.samples,
        "max_error_rate": smoke.max_error_rate,
        "max_p95_latency_ms": smoke.max_p95_latency_ms,
    }


def test_smoke_test_reads_the_models_samples_from_the_source_artifact_not_its_bundle(
    synthesized, promotion, pipeline
):
    (action,) = _actions(pipeline, "Test").values()
    assert action["InputArtifacts"] == [{"Name": "Source"}]
    function = promotion.to_json()["Resources"][_function_id(promotion, action)]["Properties"]
    bundle = synthesized.outdir / f"asset.{function['Code']['S3Key'].removesuffix('.zip')}"
    assert (bundle / "handler.py").is_file()
    assert not (bundle / "samples").exists(), "the shared function must not change when a model is added"


def test_prod_approval_is_announced_to_the_approvers_encrypted_topic(promotion, pipeline, platform_config):
    (approval,) = _actions(pipeline, "Approve").values()
    assert approval["ActionTypeId"] == {"Category": "Approval", "Owner": "AWS", "Provider": "Manual", "Version": "1"}
    assert approval["Configuration"]["NotificationArn"].endswith(f":{approval_topic_name(platform_config)}")
    topic_id = _named(promotion, "AWS::SNS::Topic", "TopicName", approval_topic_name(platform_config))
    topic = promotion.to_json()["Resources"][topic_id]
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": ["Key961B73FD", "Arn"]}
    for email in platform_config.approver_emails:
        promotion.has_resource_properties(
            "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": email, "TopicArn": {"Ref": topic_id}}
        )


def test_synth_action_builds_with_the_repositorys_buildspec_encrypting_with_the_artifact_key(
    promotion, pipeline, platform_config
):
    (synth,) = _actions(pipeline, "Synth").values()
    project_id = _named(promotion, "AWS::CodeBuild::Project", "Name", synth["Configuration"]["ProjectName"])
    project = promotion.to_json()["Resources"][project_id]["Properties"]
    assert project["Source"] == {"Type": "CODEPIPELINE", "BuildSpec": BUILDSPEC}
    assert project["EncryptionKey"] == {"Fn::GetAtt": ["PipelineArtifactsKeyD772A621", "Arn"]}
    assert synth["InputArtifacts"] == [{"Name": "Source"}]
    assert synth["OutputArtifacts"] == [{"Name": "EndpointTemplates"}]


def test_buildspec_synthesizes_with_make_and_collects_the_endpoint_templates():
    build_spec = yaml.safe_load((REPO_ROOT / BUILDSPEC).read_text())
    assert build_spec["phases"]["build"]["commands"] == [
        "make synth",
        ".venv/bin/python -m stacks.endpoint_templates --config config/platform.toml cdk.out endpoint-templates",
    ]
    assert build_spec["artifacts"] == {"base-directory": "endpoint-templates", "files": ["**/*"]}


def test_collected_templates_are_the_ones_the_deploy_actions_read(synthesized, pipeline, platform_config, model, tmp_path):
    copies = collect(platform_config, synthesized.outdir, tmp_path)
    collected = {str(path.relative_to(tmp_path)) for path in copies}
    read = {
        action["Configuration"]["TemplatePath"].removeprefix("EndpointTemplates::")
        for stage in ("Staging", "Prod")
        for name, action in _actions(pipeline, stage).items()
        if name == "DeployEndpoint"
    }
    assert read <= collected
    assert {path.split("/")[1] for path in collected} == {
        f"{endpoint_stack_name(platform_config, m.name)}.template.json" for m in platform_config.models
    }
    stack_name = endpoint_stack_name(platform_config, model.name)
    staging = json.loads((tmp_path / "staging" / f"{stack_name}.template.json").read_text())
    assert staging == synthesized.templates[f"Staging/{stack_name}"]


def test_collecting_templates_fails_naming_a_missing_endpoint_stack(platform_config, tmp_path: Path):
    with pytest.raises(MissingTemplateError, match=endpoint_stack_name(platform_config, platform_config.models[0].name)):
        collect(platform_config, tmp_path, tmp_path / "out")


def test_pipeline_role_has_the_name_serving_deployers_trust_and_assumes_only_them(promotion, platform_config):
    roles = promotion.find_resources(
        "AWS::IAM::Role", {"Properties": {"RoleName": promotion_role_names(platform_config).pipeline}}
    )
    ((logical_id, role),) = roles.items()
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "codepipeline.amazonaws.com"
    }
    assumed = [
        statement["Resource"]
        for policy in promotion.find_resources("AWS::IAM::Policy").values()
        if {"Ref": logical_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == "sts:AssumeRole"
    ]
    assert assumed == [_deployers(platform_config)]


def test_artifact_bucket_lets_only_the_serving_deployers_read_artifacts(promotion, platform_config):
    promotion.has_resource_properties(
        "AWS::S3::Bucket", {"BucketName": promotion_artifact_bucket_name(platform_config)}
    )
    (policy,) = promotion.find_resources(
        "AWS::S3::BucketPolicy", {"Properties": {"Bucket": {"Ref": "PipelineArtifactsBucketA44B8E48"}}}
    ).values()
    cross_account = [
        statement for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow" and set(json.dumps(statement["Principal"]).split('"')) & set(
            _serving_roots(platform_config)
        )
    ]
    assert cross_account == [
        {
            "Sid": "ServingDeployersReadArtifacts",
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Effect": "Allow",
            "Principal": {"AWS": _serving_roots(platform_config)},
            "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": ["PipelineArtifactsBucketA44B8E48", "Arn"]}, "/*"]]},
            "Condition": {"ArnEquals": {"aws:PrincipalArn": _deployers(platform_config)}},
        }
    ]


def test_artifact_key_lets_only_the_serving_deployers_decrypt_through_s3(promotion, platform_config):
    key = promotion.to_json()["Resources"]["PipelineArtifactsKeyD772A621"]
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    dev_root = {"AWS": f"arn:aws:iam::{platform_config.accounts.dev.account_id}:root"}
    cross_account = [s for s in statements if s["Principal"] != dev_root]
    assert cross_account == [
        {
            "Sid": "ServingDeployersDecryptArtifacts",
            "Action": "kms:Decrypt",
            "Effect": "Allow",
            "Principal": {"AWS": _serving_roots(platform_config)},
            "Resource": "*",
            "Condition": {
                "ArnEquals": {"aws:PrincipalArn": _deployers(platform_config)},
                "StringEquals": {"kms:ViaService": f"s3.{platform_config.region}.amazonaws.com"},
            },
        }
    ]


def test_approval_rule_matches_approved_and_rejected_versions_of_the_platforms_groups(promotion, platform_config):
    promotion.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.sagemaker"],
                "detail-type": ["SageMaker Model Package State Change"],
                "detail": {
                    "ModelPackageGroupName": [{"prefix": f"{platform_config.name}-"}],
                    "ModelApprovalStatus": ["Approved", "Rejected"],
                },
            }
        },
    )


def test_approval_events_are_retried_then_dead_lettered(promotion):
    (rule,) = [rule for logical_id, rule in promotion.find_resources("AWS::Events::Rule").items()
               if logical_id.startswith("ApprovalTriggerRule")]
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["ApprovalTriggerFunctionD455AF86", "Arn"]}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["ApprovalTriggerFunctionDeadLetterQueueA4F12039", "Arn"]}}


def test_dead_letters_and_trigger_errors_alarm_the_approvers(promotion):
    alarms = promotion.find_resources("AWS::CloudWatch::Alarm")
    watched = {
        (alarm["Properties"]["Namespace"], alarm["Properties"]["MetricName"]): alarm["Properties"]["AlarmActions"]
        for alarm in alarms.values()
    }
    assert watched == {
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"): [{"Ref": "ApprovalTopic1D517B4C"}],
        ("AWS/Lambda", "Errors"): [{"Ref": "ApprovalTopic1D517B4C"}],
    }


def test_idempotency_table_is_on_demand_encrypted_recoverable_and_expiring(promotion):
    promotion.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"KMSMasterKeyId": {"Fn::GetAtt": ["Key961B73FD", "Arn"]}, "SSEEnabled": True,
                                 "SSEType": "KMS"},
            "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True},
        },
    )


def test_trigger_derives_pipelines_by_the_naming_rules_and_may_start_only_promotion_pipelines(
    promotion, platform_config
):
    naming = {"groups": "mlops-{model}", "pipelines": "mlops-{model}-promotion"}
    promotion.has_resource_properties(
        "AWS::Lambda::Function",
        {"Environment": {"Variables": Match.object_like({
            "PROMOTION_NAMING": json.dumps(naming, sort_keys=True),
            "IDEMPOTENCY_TABLE": {"Ref": "ApprovalTriggerIdempotencyTableCA833811"},
        })}},
    )
    starts = [
        statement["Resource"]
        for policy in promotion.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "codepipeline:StartPipelineExecution" in statement["Action"]
    ]
    dev = platform_config.accounts.dev.account_id
    assert starts == [f"arn:aws:codepipeline:{platform_config.region}:{dev}:mlops-*-promotion"]


def test_smoke_test_function_has_the_role_staging_trusts_and_assumes_only_the_smoke_tester(promotion, platform_config):
    roles = promotion.find_resources(
        "AWS::IAM::Role", {"Properties": {"RoleName": promotion_role_names(platform_config).smoke_test_function}}
    )
    ((logical_id, _),) = roles.items()
    assumed = [
        statement["Resource"]
        for policy in promotion.find_resources("AWS::IAM::Policy").values()
        if {"Ref": logical_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == "sts:AssumeRole"
    ]
    assert assumed == [role_arn(platform_config, "staging", serving_role_names(platform_config).smoke_tester)]


def test_shadow_verdict_function_has_the_role_prod_trusts_and_assumes_only_the_reader(promotion, platform_config):
    roles = promotion.find_resources(
        "AWS::IAM::Role", {"Properties": {"RoleName": promotion_role_names(platform_config).shadow_verdict_function}}
    )
    ((logical_id, _),) = roles.items()
    assumed = [
        statement["Resource"]
        for policy in promotion.find_resources("AWS::IAM::Policy").values()
        if {"Ref": logical_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == "sts:AssumeRole"
    ]
    assert assumed == [role_arn(platform_config, "prod", serving_role_names(platform_config).shadow_verdict_reader)]


def test_only_the_recorder_may_update_model_versions_and_only_of_the_platforms_groups(promotion, platform_config):
    updates = [
        statement["Resource"]
        for policy in promotion.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "sagemaker:UpdateModelPackage" in statement["Action"]
    ]
    dev = platform_config.accounts.dev.account_id
    assert updates == [f"arn:aws:sagemaker:{platform_config.region}:{dev}:model-package/mlops-*/*"]


def test_the_recorder_may_update_versions_only_with_requests_that_decide_nothing(promotion):
    # Its own policy must hold: the group policy's Deny is documented for cross-account callers only.
    updates = [
        statement
        for policy in promotion.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "sagemaker:UpdateModelPackage" in statement["Action"]
    ]
    assert updates
    for statement in updates:
        assert statement["Action"] == "sagemaker:UpdateModelPackage"
        assert statement["Condition"] == {
            "Null": {
                "sagemaker:ModelApprovalStatus": "true",
                "sagemaker:CustomerMetadataPropertiesToRemove": "true",
                "sagemaker:ModelLifeCycle:Stage": "true",
                "sagemaker:ModelLifeCycle:StageStatus": "true",
            }
        }


def test_invoke_actions_send_the_parameters_their_functions_accept(pipeline, platform_config, model):
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    load_handler("smoke_test")
    load_handler("deployment_recorder")
    load_handler("approval_check")
    accepts = {
        "CheckApproval": importlib.import_module("version_approval").ApprovalCheck,
        "SmokeTest": importlib.import_module("smoke_test_job").SmokeTestRequest,
        "RecordDeployment": importlib.import_module("deployment_record").Deployment,
    }
    dev = platform_config.accounts.dev.account_id
    group = model_package_group_name(platform_config, model.name)
    # What CodePipeline substitutes for the variables before invoking.
    resolved = {
        MODEL_PACKAGE: f"arn:aws:sagemaker:{platform_config.region}:{dev}:model-package/{group}/3",
        "#{codepipeline.PipelineExecutionId}": "0d2f6a1e-8c4b-4f7e-9a3d-2b1c5e6f7a80",
    }
    checked = []
    for stage in pipeline["Stages"]:
        for action in stage["Actions"]:
            if action["Name"] in accepts:
                parameters = action["Configuration"]["UserParameters"]
                for variable, value in resolved.items():
                    parameters = parameters.replace(variable, value)
                accepts[action["Name"]].model_validate_json(parameters)
                checked.append((stage["Name"], action["Name"]))
    assert checked == [
        ("Staging", "CheckApproval"), ("Staging", "RecordDeployment"), ("Test", "SmokeTest"),
        ("Prod", "CheckApproval"), ("Prod", "RecordDeployment"),
    ]
