"""ServingFoundation (staging, prod): keys, buckets, the roles dev relies on, and what dev grants them."""

import importlib.util
import json
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from aws_cdk.assertions import Match, Template

from stacks.components.model_execution_role import XGBOOST_REPOSITORY
from stacks.components.processing_images import REGISTRIES
from stacks.cross_account import monitoring_job_role_name, promotion_role_names, role_arn, serving_role_names
from platform_config.naming import (
    ANY_MODEL,
    dev_bucket_name,
    endpoint_name,
    endpoint_stack_name,
    model_package_group_name,
    serving_parameter_name,
)
from platform_config.construct_ids import model_stack_id
from tests.synth import SynthesizedApp

SERVING = ("staging", "prod")
STAGES = {"staging": "Staging", "prod": "Prod"}
# Pinned: renaming one replaces the resource, and with it the data or the key.
STATEFUL_LOGICAL_IDS = {
    "Key961B73FD": "AWS::KMS::Key",
    "AccessLogsBucketCD784A59": "AWS::S3::Bucket",
    "DataCaptureBucketA9343715": "AWS::S3::Bucket",
    "MonitoringBucket6E99F8B2": "AWS::S3::Bucket",
}
CHANGES_TO_MODEL_PACKAGES = {
    "sagemaker:UpdateModelPackage", "sagemaker:CreateModelPackage", "sagemaker:DeleteModelPackage",
    "sagemaker:UpdateModelPackageGroup", "sagemaker:PutModelPackageGroupPolicy",
}


def _foundation(synthesized: SynthesizedApp, account: str) -> Template:
    return synthesized.template(f"{STAGES[account]}/ServingFoundation")


def _role(template: Template, role_name: str) -> tuple[str, dict]:
    roles = template.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": role_name}})
    assert len(roles) == 1, f"expected one role named {role_name}, found {sorted(roles)}"
    return next(iter(roles.items()))


def _statements(template: Template, role_name: str) -> list[dict]:
    logical_id, _ = _role(template, role_name)
    policies = template.find_resources("AWS::IAM::Policy")
    return [
        statement
        for policy in policies.values()
        if {"Ref": logical_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statements: list[dict]) -> set[str]:
    return {action for statement in statements for action in _as_list(statement["Action"])}


def _as_list(value):
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("account", SERVING)
def test_stateful_resources_keep_their_logical_ids_and_are_retained(synthesized, account):
    resources = _foundation(synthesized, account).to_json()["Resources"]
    for logical_id, resource_type in STATEFUL_LOGICAL_IDS.items():
        assert resources[logical_id]["Type"] == resource_type
        assert resources[logical_id]["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("account", SERVING)
def test_capture_and_monitoring_buckets_are_encrypted_with_the_serving_key(synthesized, account):
    template = _foundation(synthesized, account)
    for bucket in ("DataCaptureBucketA9343715", "MonitoringBucket6E99F8B2"):
        encryption = template.to_json()["Resources"][bucket]["Properties"]["BucketEncryption"]
        assert encryption["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
            "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["Key961B73FD", "Arn"]},
        }


@pytest.mark.parametrize("account", SERVING)
def test_endpoint_settings_are_published_under_the_names_endpoint_stacks_read(synthesized, platform_config, account):
    template = _foundation(synthesized, account)
    template.has_resource_properties(
        "AWS::SSM::Parameter",
        {"Name": serving_parameter_name(platform_config, "subnet-ids"), "Type": "StringList"},
    )
    template.has_resource_properties(
        "AWS::SSM::Parameter",
        {"Name": serving_parameter_name(platform_config, "data-capture-bucket"),
         "Value": {"Ref": "DataCaptureBucketA9343715"}},
    )
    template.has_resource_properties(
        "AWS::SSM::Parameter",
        {"Name": serving_parameter_name(platform_config, "key-arn"), "Value": {"Fn::GetAtt": ["Key961B73FD", "Arn"]}},
    )
    template.has_resource_properties(
        "AWS::SSM::Parameter",
        {"Name": serving_parameter_name(platform_config, "security-group-id"), "Value": Match.any_value()},
    )


@pytest.mark.parametrize("account", SERVING)
def test_endpoint_deployer_trusts_only_devs_promotion_pipeline_role(synthesized, platform_config, account):
    _, role = _role(_foundation(synthesized, account), serving_role_names(platform_config).endpoint_deployer)
    dev = platform_config.accounts.dev.account_id
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{dev}:root"},
            "Condition": {
                "ArnEquals": {"aws:PrincipalArn": role_arn(platform_config, "dev", promotion_role_names(platform_config).pipeline)}
            },
        }
    ]


@pytest.mark.parametrize("account", SERVING)
def test_endpoint_deployer_deploys_only_endpoint_stacks_with_the_cloudformation_execution_role(
    synthesized, platform_config, account
):
    template = _foundation(synthesized, account)
    statements = _statements(template, serving_role_names(platform_config).endpoint_deployer)
    stack_statements = [s for s in statements if any(a.startswith("cloudformation:") for a in _as_list(s["Action"]))]
    stacks = {
        resource for s in stack_statements if s["Action"] != "cloudformation:ValidateTemplate"
        for resource in _as_list(s["Resource"])
    }
    account_id = getattr(platform_config.accounts, account).account_id
    assert stacks == {f"arn:aws:cloudformation:{platform_config.region}:{account_id}:stack/mlops-*-endpoint/*"}
    for model in platform_config.models:
        assert fnmatchcase(f"{endpoint_stack_name(platform_config, model.name)}/0a1b", "mlops-*-endpoint/*")
    cfn_role_id, _ = _role(template, serving_role_names(platform_config).cloudformation_execution)
    (pass_role,) = [s for s in statements if s["Action"] == "iam:PassRole"]
    assert pass_role["Resource"] == {"Fn::GetAtt": [cfn_role_id, "Arn"]}
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}


@pytest.mark.parametrize("account", SERVING)
def test_endpoint_deployer_may_replace_a_failed_endpoint_stack_and_no_other(synthesized, platform_config, account):
    # The pipeline's REPLACE_ON_FAILURE deletes a stack left in ROLLBACK_COMPLETE before creating it again.
    statements = _statements(_foundation(synthesized, account), serving_role_names(platform_config).endpoint_deployer)
    deleting = [s for s in statements if "cloudformation:DeleteStack" in _as_list(s["Action"])]
    account_id = getattr(platform_config.accounts, account).account_id
    assert [resource for s in deleting for resource in _as_list(s["Resource"])] == [
        f"arn:aws:cloudformation:{platform_config.region}:{account_id}:stack/"
        f"{endpoint_stack_name(platform_config, ANY_MODEL)}/*"
    ]
    assert all("Condition" not in s and s["Effect"] == "Allow" for s in deleting)


# What CloudFormation calls to delete each resource type an Endpoint stack holds.
DELETE_ACTIONS = {
    "AWS::SageMaker::Model": {"sagemaker:DeleteModel", "sagemaker:DescribeModel"},
    "AWS::SageMaker::EndpointConfig": {"sagemaker:DeleteEndpointConfig", "sagemaker:DescribeEndpointConfig"},
    "AWS::SageMaker::Endpoint": {"sagemaker:DeleteEndpoint", "sagemaker:DescribeEndpoint"},
    "AWS::CloudWatch::Alarm": {"cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms"},
    "AWS::ApplicationAutoScaling::ScalableTarget": {
        "application-autoscaling:DeregisterScalableTarget", "application-autoscaling:DescribeScalableTargets",
    },
    "AWS::ApplicationAutoScaling::ScalingPolicy": {
        "application-autoscaling:DeleteScalingPolicy", "application-autoscaling:DescribeScalingPolicies",
    },
}


@pytest.mark.parametrize("account", SERVING)
def test_cloudformation_execution_role_can_delete_everything_an_endpoint_stack_creates(
    synthesized, platform_config, account
):
    actions = _actions(_statements(_foundation(synthesized, account),
                                   serving_role_names(platform_config).cloudformation_execution))
    for model in platform_config.models:
        template = synthesized.templates[f"{STAGES[account]}/{endpoint_stack_name(platform_config, model.name)}"]
        created = {resource["Type"] for resource in template["Resources"].values()}
        assert created <= set(DELETE_ACTIONS), f"add the delete actions of {created - set(DELETE_ACTIONS)}"
        for resource_type in created:
            assert DELETE_ACTIONS[resource_type] <= actions, resource_type


@pytest.mark.parametrize("account", SERVING)
def test_cloudformation_execution_role_is_trusted_by_cloudformation_in_its_account_only(
    synthesized, platform_config, account
):
    _, role = _role(_foundation(synthesized, account), serving_role_names(platform_config).cloudformation_execution)
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "cloudformation.amazonaws.com"},
            "Condition": {"StringEquals": {"aws:SourceAccount": getattr(platform_config.accounts, account).account_id}},
        }
    ]


@pytest.mark.parametrize("account", SERVING)
def test_cloudformation_execution_role_is_limited_to_the_endpoint_stacks_resource_types(
    synthesized, platform_config, account
):
    actions = _actions(_statements(_foundation(synthesized, account),
                                   serving_role_names(platform_config).cloudformation_execution))
    services = {action.split(":")[0] for action in actions}
    # sns: an async Endpoint stack's success and error topics (prod).
    assert services <= {"sagemaker", "cloudwatch", "application-autoscaling", "iam", "kms", "ssm", "sns"}
    assert {action for action in actions if action.startswith("iam:")} <= {"iam:PassRole", "iam:CreateServiceLinkedRole"}
    assert not any(action == "*" or action.endswith(":*") for action in actions)
    assert not actions & CHANGES_TO_MODEL_PACKAGES
    assert {"sagemaker:CreateModel", "sagemaker:CreateEndpointConfig", "sagemaker:CreateEndpoint",
            "sagemaker:UpdateEndpoint", "cloudwatch:PutMetricAlarm"} <= actions


@pytest.mark.parametrize("account", SERVING)
def test_cloudformation_execution_role_passes_only_the_model_execution_and_monitoring_job_roles_to_sagemaker(
    synthesized, platform_config, account
):
    template = _foundation(synthesized, account)
    names = serving_role_names(platform_config)
    model_execution_id, _ = _role(template, names.model_execution)
    pass_roles = [s for s in _statements(template, names.cloudformation_execution) if "iam:PassRole" in _as_list(s["Action"])]
    account_id = getattr(platform_config.accounts, account).account_id
    to_sagemaker = {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    assert pass_roles == [
        {
            "Sid": "PassModelExecutionRole",
            "Action": "iam:PassRole",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [model_execution_id, "Arn"]},
            "Condition": to_sagemaker,
        },
        {
            "Sid": "PassMonitoringJobRoles",
            "Action": "iam:PassRole",
            "Effect": "Allow",
            "Resource": f"arn:aws:iam::{account_id}:role/mlops-*-monitoring-job",
            "Condition": to_sagemaker,
        },
    ]
    for model in platform_config.models:
        assert fnmatchcase(monitoring_job_role_name(platform_config, model.name), "mlops-*-monitoring-job")


@pytest.mark.parametrize("account", SERVING)
def test_models_are_created_only_from_the_configured_registry_groups_in_dev(synthesized, platform_config, account):
    statements = _statements(_foundation(synthesized, account), serving_role_names(platform_config).cloudformation_execution)
    (from_registry,) = [s for s in statements if s.get("Sid") == "ModelsFromDevRegistry"]
    dev = platform_config.accounts.dev.account_id
    registry = f"arn:aws:sagemaker:{platform_config.region}:{dev}:model-package/"
    assert from_registry["Resource"] == f"{registry}mlops-*/*"
    for model in platform_config.models:
        assert fnmatchcase(f"{registry}{model_package_group_name(platform_config, model.name).lower()}/1",
                           from_registry["Resource"])


def test_only_prod_may_register_endpoint_autoscaling(synthesized, platform_config):
    name = serving_role_names(platform_config).cloudformation_execution
    staging = _actions(_statements(_foundation(synthesized, "staging"), name))
    prod = _actions(_statements(_foundation(synthesized, "prod"), name))
    assert not any(action.startswith("application-autoscaling:") for action in staging)
    assert "iam:CreateServiceLinkedRole" not in staging
    assert "application-autoscaling:RegisterScalableTarget" in prod


def test_smoke_tester_trusts_only_devs_smoke_test_function_and_invokes_only_the_endpoints(synthesized, platform_config):
    template = _foundation(synthesized, "staging")
    name = serving_role_names(platform_config).smoke_tester
    _, role = _role(template, name)
    dev = platform_config.accounts.dev.account_id
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{dev}:root"},
            "Condition": {"ArnEquals": {"aws:PrincipalArn": role_arn(
                platform_config, "dev", promotion_role_names(platform_config).smoke_test_function)}},
        }
    ]
    staging = platform_config.accounts.staging.account_id
    endpoints = f"arn:aws:sagemaker:{platform_config.region}:{staging}:endpoint/"
    assert _statements(template, name) == [
        {"Sid": "InvokeModelEndpoints", "Action": "sagemaker:InvokeEndpoint", "Effect": "Allow",
         "Resource": f"{endpoints}mlops-*"}
    ]
    for model in platform_config.models:
        assert fnmatchcase(f"{endpoints}{endpoint_name(platform_config, model.name)}", f"{endpoints}mlops-*")


def test_prod_has_no_smoke_tester(synthesized, platform_config):
    roles = _foundation(synthesized, "prod").find_resources(
        "AWS::IAM::Role", {"Properties": {"RoleName": serving_role_names(platform_config).smoke_tester}}
    )
    assert roles == {}


def test_prod_shadow_verdict_reader_trusts_only_devs_shadow_verdict_function_and_reads_only(
    synthesized, platform_config
):
    template = _foundation(synthesized, "prod")
    name = serving_role_names(platform_config).shadow_verdict_reader
    _, role = _role(template, name)
    dev = platform_config.accounts.dev.account_id
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{dev}:root"},
            "Condition": {"ArnEquals": {"aws:PrincipalArn": role_arn(
                platform_config, "dev", promotion_role_names(platform_config).shadow_verdict_function)}},
        }
    ]
    actions = {statement["Sid"]: statement["Action"] for statement in _statements(template, name)}
    assert actions == {
        "CaptureBucketName": "ssm:GetParameter", "ListCaptures": "s3:ListBucket", "ReadCaptures": "s3:GetObject",
        "DecryptCaptures": "kms:Decrypt", "VariantLatency": "cloudwatch:GetMetricData",
    }


def test_staging_has_no_shadow_verdict_reader(synthesized, platform_config):
    roles = _foundation(synthesized, "staging").find_resources(
        "AWS::IAM::Role", {"Properties": {"RoleName": serving_role_names(platform_config).shadow_verdict_reader}}
    )
    assert roles == {}


@pytest.mark.parametrize("account", SERVING)
def test_model_execution_role_reads_dev_model_artifacts_and_writes_captured_data(synthesized, platform_config, account):
    statements = {
        s["Sid"]: s for s in _statements(_foundation(synthesized, account), serving_role_names(platform_config).model_execution)
    }
    assert statements["ReadModelArtifacts"]["Resource"] == (
        f"arn:aws:s3:::{dev_bucket_name(platform_config, 'artifacts')}/models/*"
    )
    assert statements["DecryptModelArtifacts"]["Condition"] == {
        "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/mlops-artifacts"}
    }
    assert statements["WriteCapturedData"]["Resource"] == {
        "Fn::Join": ["", [{"Fn::GetAtt": ["DataCaptureBucketA9343715", "Arn"]}, "/*"]]
    }
    assert statements["PullXgboostImage"]["Resource"] == (
        f"arn:aws:ecr:{platform_config.region}:{REGISTRIES[platform_config.region][0]}:repository/{XGBOOST_REPOSITORY}"
    )


@pytest.mark.parametrize("account", SERVING)
def test_no_serving_role_can_change_a_model_package(synthesized, account):
    policies = _foundation(synthesized, account).find_resources("AWS::IAM::Policy")
    actions = {
        action
        for policy in policies.values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        for action in _as_list(statement["Action"])
    }
    assert not actions & CHANGES_TO_MODEL_PACKAGES
    assert not any(action in ("*", "sagemaker:*") for action in actions)


def test_registry_lets_serving_accounts_read_versions_and_create_models_but_not_change_them(synthesized, platform_config):
    groups = [
        group
        for model in platform_config.models
        for group in synthesized.template(f"Dev/{model_stack_id(model.name)}")
        .find_resources("AWS::SageMaker::ModelPackageGroup")
        .values()
    ]
    assert len(groups) == len(platform_config.models)
    serving_roots = {f"arn:aws:iam::{getattr(platform_config.accounts, a).account_id}:root" for a in SERVING}
    for group in groups:
        granted = {
            action
            for statement in group["Properties"]["ModelPackageGroupPolicy"]["Statement"]
            if statement["Effect"] == "Allow" and set(_as_list(statement["Principal"]["AWS"])) & serving_roots
            for action in _as_list(statement["Action"])
        }
        assert granted == {
            "sagemaker:DescribeModelPackageGroup", "sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages",
            "sagemaker:CreateModel",
        }


def test_dev_artifact_grants_name_the_model_execution_roles_serving_accounts_create(synthesized, platform_config):
    bucket_policies = synthesized.template("Dev/Data").find_resources("AWS::S3::BucketPolicy")
    (grant,) = [
        statement
        for policy in bucket_policies.values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement.get("Sid") == "ServingAccountsReadModelArtifacts"
    ]
    created = {
        role_arn(platform_config, account, _role(_foundation(synthesized, account),
                                                 serving_role_names(platform_config).model_execution)[1]
                 ["Properties"]["RoleName"])
        for account in SERVING
    }
    assert set(grant["Condition"]["ArnEquals"]["aws:PrincipalArn"]) == created
    assert grant["Action"] == "s3:GetObject"


def test_xgboost_images_come_from_the_registries_the_sdk_names(platform_config) -> None:
    # The SDK is read as data, not imported: importing it costs seconds.
    package = Path(importlib.util.find_spec("sagemaker").submodule_search_locations[0])
    config = json.loads((package / "core" / "image_uri_config" / "xgboost.json").read_text())
    for model in platform_config.models:
        registries = config["inference"]["versions"][model.training.xgboost_version]["registries"]
        assert {region: registries[region] for region in REGISTRIES} == {
            region: accounts[0] for region, accounts in REGISTRIES.items()
        }


ENI_WRITES = {
    "ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
}


@pytest.mark.parametrize("account", SERVING)
def test_model_execution_role_may_describe_vpc_endpoints(synthesized, platform_config, account):
    # SageMaker's requirements for hosting a model in a VPC.
    statements = _statements(_foundation(synthesized, account), serving_role_names(platform_config).model_execution)
    assert "ec2:DescribeVpcEndpoints" in _actions(statements)


@pytest.mark.parametrize("account", SERVING)
def test_model_execution_role_creates_network_interfaces_only_in_the_workload_subnets(
    synthesized, platform_config, account
):
    template = _foundation(synthesized, account)
    statements = _statements(template, serving_role_names(platform_config).model_execution)
    writes = [s for s in statements if set(_as_list(s["Action"])) & ENI_WRITES]
    assert writes and all(s["Resource"] != "*" for s in writes)
    [create] = [s for s in writes if "ec2:CreateNetworkInterface" in _as_list(s["Action"])]
    resources = [json.dumps(r) for r in create["Resource"]]
    account_id = getattr(platform_config.accounts, account).account_id
    assert resources[0] == json.dumps(f"arn:aws:ec2:eu-west-1:{account_id}:network-interface/*")
    subnets = [r for r in resources if ":subnet/" in r]
    groups = [r for r in resources if ":security-group/" in r]
    assert len(subnets) == {"staging": 2, "prod": 3}[account]
    assert len(groups) == 1 and "WorkloadSecurityGroup" in groups[0]
    assert all("WorkloadsSubnet" in subnet for subnet in subnets)
    [manage] = [s for s in writes if s is not create]
    assert manage["Resource"] == f"arn:aws:ec2:eu-west-1:{account_id}:network-interface/*"
    assert len(manage["Condition"]["ArnEquals"]["ec2:Subnet"]) == len(subnets)


def test_endpoint_autoscaling_writes_only_sagemaker_variant_instance_counts(synthesized, platform_config):
    statements = _statements(
        _foundation(synthesized, "prod"), serving_role_names(platform_config).cloudformation_execution
    )
    # Tagging a target is not scaling it: those actions have their own statement.
    writes = [s for s in statements if any(
        action.startswith("application-autoscaling:")
        and not action.split(":")[1].startswith(("Describe", "TagResource", "UntagResource", "ListTagsForResource"))
        for action in _as_list(s["Action"])
    )]
    assert len(writes) == 1
    [write] = writes
    prod = platform_config.accounts.prod.account_id
    assert write["Resource"] == f"arn:aws:application-autoscaling:eu-west-1:{prod}:scalable-target/*"
    assert write["Condition"] == {
        "StringEquals": {
            "application-autoscaling:service-namespace": "sagemaker",
            "application-autoscaling:scalable-dimension": "sagemaker:variant:DesiredInstanceCount",
        }
    }


def test_endpoint_autoscaling_tags_only_this_accounts_scalable_targets(synthesized, platform_config):
    statements = _statements(
        _foundation(synthesized, "prod"), serving_role_names(platform_config).cloudformation_execution
    )
    [tagging] = [s for s in statements if "application-autoscaling:TagResource" in _as_list(s["Action"])]
    prod = platform_config.accounts.prod.account_id
    assert tagging["Resource"] == f"arn:aws:application-autoscaling:eu-west-1:{prod}:scalable-target/*"


SHARED_SERVING_STACKS = ("Network", "ServingFoundation", "Monitoring")


@pytest.mark.parametrize("account", SERVING)
@pytest.mark.parametrize("stack", SHARED_SERVING_STACKS)
def test_shared_serving_stacks_name_no_model(synthesized, platform_config, account, stack):
    # Shared stacks grant by naming convention: a model named in them would make adding one edit them.
    template = json.dumps(synthesized.templates[f"{STAGES[account]}/{stack}"])
    assert [model.name for model in platform_config.models if model.name in template] == []
