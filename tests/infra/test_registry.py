"""Each model's registry group (in its dev stack): readable by staging and prod, guarded for approval."""

from typing import Any

import pytest
from aws_cdk import RemovalPolicy, Stack

from stacks.components.model_package_group import ModelPackageGroup
from platform_config import PlatformConfig
from tests.infra.retained_dev import retained_dev_templates
from platform_config.construct_ids import model_stack_id
from tests.synth import SynthesizedApp

# Pinned: renaming it replaces the group, and a group holding versions cannot be replaced.
GROUP = "ModelPackageGroupF5073685"
SERVING_ROOTS = ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"]
MODEL_CREATORS = [
    "arn:aws:iam::222222222222:role/mlops-endpoint-cfn-execution",
    "arn:aws:iam::333333333333:role/mlops-endpoint-cfn-execution",
]


@pytest.fixture(scope="module")
def resources(synthesized: SynthesizedApp, model_name: str) -> dict[str, Any]:
    return synthesized.templates[f"Dev/{model_stack_id(model_name)}"]["Resources"]


@pytest.fixture(scope="module")
def group_arn(model_name: str) -> str:
    return f"arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/mlops-{model_name}"


@pytest.fixture(scope="module")
def versions_arn(model_name: str) -> str:
    return f"arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlops-{model_name}/*"


@pytest.fixture(scope="module")
def statements(resources: dict[str, Any]) -> list[dict[str, Any]]:
    return resources[GROUP]["Properties"]["ModelPackageGroupPolicy"]["Statement"]


def actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


def test_each_models_stack_holds_one_group_named_for_it(synthesized: SynthesizedApp, platform_config: PlatformConfig) -> None:
    groups = {
        path: [r["Properties"]["ModelPackageGroupName"] for r in template["Resources"].values()
               if r["Type"] == "AWS::SageMaker::ModelPackageGroup"]
        for path, template in synthesized.templates.items()
        if path.startswith("Dev/")
    }
    assert {path: names for path, names in groups.items() if names} == {
        f"Dev/{model_stack_id(model.name)}": [f"mlops-{model.name}"] for model in platform_config.models
    }


def test_group_logical_id_is_pinned(resources: dict[str, Any], model_name: str) -> None:
    assert resources[GROUP]["Type"] == "AWS::SageMaker::ModelPackageGroup"
    assert resources[GROUP]["Properties"]["ModelPackageGroupName"] == f"mlops-{model_name}"


def monitors_of(model_name: str) -> list[str]:
    """A group names its own model's monitoring job roles, not every model's."""
    return [f"arn:aws:iam::{account}:role/mlops-{model_name}-monitoring-job" for account in ("222222222222", "333333333333")]


def model_creator_statements(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in statements if s["Effect"] == "Allow" and s["Sid"] != "MonitoringJobsReadVersions"]


def test_staging_and_prod_may_describe_list_and_create_models_and_nothing_more(
    statements: list[dict[str, Any]], group_arn: str, versions_arn: str
) -> None:
    allowed = model_creator_statements(statements)
    grants = {(action, s["Resource"]) for s in allowed for action in actions(s)}
    assert grants == {
        ("sagemaker:DescribeModelPackageGroup", group_arn),
        ("sagemaker:DescribeModelPackage", versions_arn),
        ("sagemaker:ListModelPackages", versions_arn),
        ("sagemaker:CreateModel", versions_arn),
    }


def test_only_the_serving_cloudformation_execution_roles_read_the_registry(statements: list[dict[str, Any]]) -> None:
    # The account roots alone would let every principal those accounts allow read dev's models.
    allowed = model_creator_statements(statements)
    assert allowed
    for statement in allowed:
        assert statement["Principal"] == {"AWS": SERVING_ROOTS}
        assert statement["Condition"] == {"ArnEquals": {"aws:PrincipalArn": MODEL_CREATORS}}


def test_serving_monitoring_jobs_may_only_list_and_describe_versions(
    statements: list[dict[str, Any]], group_arn: str, versions_arn: str, model_name: str
) -> None:
    # Each drift run looks up the baseline of the versions its window saw; it never creates models.
    [monitors] = [s for s in statements if s.get("Sid") == "MonitoringJobsReadVersions"]
    assert monitors["Effect"] == "Allow"
    assert actions(monitors) == {"sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"}
    assert monitors["Resource"] == [group_arn, versions_arn]
    assert monitors["Principal"] == {"AWS": SERVING_ROOTS}
    assert monitors["Condition"] == {"ArnEquals": {"aws:PrincipalArn": monitors_of(model_name)}}


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


def test_only_the_approver_role_may_set_an_approval_status(statements: list[dict[str, Any]], versions_arn: str) -> None:
    [guard] = [s for s in statements if s["Effect"] == "Deny" and actions(s) == {"sagemaker:UpdateModelPackage"}]
    assert guard["Resource"] == versions_arn
    assert guard["Condition"]["Null"] == {"sagemaker:ModelApprovalStatus": "false"}
    exempt = guard["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]
    assert "ModelApproverRole" in str(exempt) and "Dev-Studio" in str(exempt)


def test_updates_that_set_no_status_stay_possible_for_roles_allowed_them(statements: list[dict[str, Any]]) -> None:
    # The promotion pipeline records deployments in CustomerMetadataProperties: only a request that
    # carries an approval status is denied.
    for guard in (s for s in statements if s["Effect"] == "Deny" and "sagemaker:UpdateModelPackage" in actions(s)):
        assert guard["Condition"]["Null"] == {"sagemaker:ModelApprovalStatus": "false"}


def test_no_one_registers_a_version_that_is_already_decided(
    statements: list[dict[str, Any]], group_arn: str, versions_arn: str
) -> None:
    [guard] = [s for s in statements if s["Effect"] == "Deny" and actions(s) == {"sagemaker:CreateModelPackage"}]
    assert guard["Principal"] == "*"
    assert guard["Resource"] == [group_arn, versions_arn]
    assert guard["Condition"] == {
        "Null": {"sagemaker:ModelApprovalStatus": "false"},
        "StringNotEquals": {"sagemaker:ModelApprovalStatus": "PendingManualApproval"},
    }


def test_dev_registry_follows_the_dev_removal_policy(resources: dict[str, Any]) -> None:
    assert resources[GROUP]["DeletionPolicy"] == "Delete"
    retained = retained_dev_templates()["Model"]
    retained.has_resource("AWS::SageMaker::ModelPackageGroup", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
