"""Dev's Registry stack: a model package group per model, readable by staging and prod, guarded for approval."""

from typing import Any

import pytest
from aws_cdk import RemovalPolicy, Stack

from stacks.components.model_package_group import ModelPackageGroup
from platform_config import PlatformConfig
from tests.infra.retained_dev import retained_dev_templates
from tests.synth import SynthesizedApp

GROUP = "CreditRisk65A6FF4C"
SERVING_ROOTS = ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"]
MODEL_CREATORS = [
    "arn:aws:iam::222222222222:role/mlops-endpoint-cfn-execution",
    "arn:aws:iam::333333333333:role/mlops-endpoint-cfn-execution",
]
GROUP_ARN = "arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/mlops-credit-risk"
VERSIONS_ARN = "arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlops-credit-risk/*"


@pytest.fixture(scope="module")
def resources(synthesized: SynthesizedApp) -> dict[str, Any]:
    return synthesized.templates["Dev/Registry"]["Resources"]


@pytest.fixture(scope="module")
def statements(resources: dict[str, Any]) -> list[dict[str, Any]]:
    return resources[GROUP]["Properties"]["ModelPackageGroupPolicy"]["Statement"]


def actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


def test_one_group_per_model_named_for_it(resources: dict[str, Any], platform_config: PlatformConfig) -> None:
    groups = {r["Properties"]["ModelPackageGroupName"] for r in resources.values()
              if r["Type"] == "AWS::SageMaker::ModelPackageGroup"}
    assert groups == {f"mlops-{model.name}" for model in platform_config.models}


def test_group_logical_id_is_pinned(resources: dict[str, Any]) -> None:
    # Renaming it replaces the group, and a group holding versions cannot be replaced.
    assert resources[GROUP]["Type"] == "AWS::SageMaker::ModelPackageGroup"
    assert resources[GROUP]["Properties"]["ModelPackageGroupName"] == "mlops-credit-risk"


# The credit-risk group names that model's own monitoring job roles, not every model's.
MONITORS = [
    "arn:aws:iam::222222222222:role/mlops-credit-risk-monitoring-job",
    "arn:aws:iam::333333333333:role/mlops-credit-risk-monitoring-job",
]


def model_creator_statements(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in statements if s["Effect"] == "Allow" and s["Sid"] != "MonitoringJobsReadVersions"]


def test_staging_and_prod_may_describe_list_and_create_models_and_nothing_more(statements: list[dict[str, Any]]) -> None:
    allowed = model_creator_statements(statements)
    grants = {(action, s["Resource"]) for s in allowed for action in actions(s)}
    assert grants == {
        ("sagemaker:DescribeModelPackageGroup", GROUP_ARN),
        ("sagemaker:DescribeModelPackage", VERSIONS_ARN),
        ("sagemaker:ListModelPackages", VERSIONS_ARN),
        ("sagemaker:CreateModel", VERSIONS_ARN),
    }


def test_only_the_serving_cloudformation_execution_roles_read_the_registry(statements: list[dict[str, Any]]) -> None:
    # The account roots alone would let every principal those accounts allow read dev's models.
    allowed = model_creator_statements(statements)
    assert allowed
    for statement in allowed:
        assert statement["Principal"] == {"AWS": SERVING_ROOTS}
        assert statement["Condition"] == {"ArnEquals": {"aws:PrincipalArn": MODEL_CREATORS}}


def test_serving_monitoring_jobs_may_only_list_and_describe_versions(statements: list[dict[str, Any]]) -> None:
    # Each drift run looks up the baseline of the versions its window saw; it never creates models.
    [monitors] = [s for s in statements if s.get("Sid") == "MonitoringJobsReadVersions"]
    assert monitors["Effect"] == "Allow"
    assert actions(monitors) == {"sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"}
    assert monitors["Resource"] == [GROUP_ARN, VERSIONS_ARN]
    assert monitors["Principal"] == {"AWS": SERVING_ROOTS}
    assert monitors["Condition"] == {"ArnEquals": {"aws:PrincipalArn": MONITORS}}


def test_a_registry_shared_with_no_role_is_refused() -> None:
    with pytest.raises(ValueError, match="reader_role_arns"):
        ModelPackageGroup(
            Stack(), "Group", name="g", description="d", reader_role_arns=[], monitoring_role_arns=[],
            approver_role_arn="arn:aws:iam::111111111111:role/approver", removal_policy=RemovalPolicy.DESTROY,
        )


def test_staging_and_prod_cannot_update_model_packages(statements: list[dict[str, Any]]) -> None:
    assert not [s for s in statements if s["Effect"] == "Allow" and "sagemaker:UpdateModelPackage" in actions(s)]
    [guard] = [s for s in statements if s["Effect"] == "Deny" and "sagemaker:UpdateModelPackage" in actions(s)]
    assert guard["Principal"] == "*"


def test_only_the_approver_role_may_set_an_approval_status(statements: list[dict[str, Any]]) -> None:
    [guard] = [s for s in statements if s["Effect"] == "Deny" and actions(s) == {"sagemaker:UpdateModelPackage"}]
    assert guard["Resource"] == VERSIONS_ARN
    assert guard["Condition"]["Null"] == {"sagemaker:ModelApprovalStatus": "false"}
    exempt = guard["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]
    assert "ModelApproverRole" in str(exempt) and "Dev-Studio" in str(exempt)


def test_updates_that_set_no_status_stay_possible_for_roles_allowed_them(statements: list[dict[str, Any]]) -> None:
    # The promotion pipeline records deployments in CustomerMetadataProperties: only a request that
    # carries an approval status is denied.
    for guard in (s for s in statements if s["Effect"] == "Deny" and "sagemaker:UpdateModelPackage" in actions(s)):
        assert guard["Condition"]["Null"] == {"sagemaker:ModelApprovalStatus": "false"}


def test_no_one_registers_a_version_that_is_already_decided(statements: list[dict[str, Any]]) -> None:
    [guard] = [s for s in statements if s["Effect"] == "Deny" and actions(s) == {"sagemaker:CreateModelPackage"}]
    assert guard["Principal"] == "*"
    assert guard["Resource"] == [GROUP_ARN, VERSIONS_ARN]
    assert guard["Condition"] == {
        "Null": {"sagemaker:ModelApprovalStatus": "false"},
        "StringNotEquals": {"sagemaker:ModelApprovalStatus": "PendingManualApproval"},
    }


def test_dev_registry_follows_the_dev_removal_policy(resources: dict[str, Any]) -> None:
    assert resources[GROUP]["DeletionPolicy"] == "Delete"
    retained = retained_dev_templates()["Registry"]
    retained.has_resource("AWS::SageMaker::ModelPackageGroup", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
