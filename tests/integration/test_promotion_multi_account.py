"""Promotion across accounts on moto: an approval in dev starts one promotion of that exact
version, and staging builds its model from the dev package through its own role.

One in-process moto server plays dev (111111111111) and staging (222222222222); each
client picks its account (``tests/moto_accounts.py``). SageMaker emits no events in moto,
so the tests build the approval event from the registered package's description.
The approval trigger runs unchanged: its boto3 default session is dev's, its endpoint the
server's.
"""

import json
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from platform_config import PlatformConfig
from stacks.cross_account import serving_role_names
from platform_config.naming import MODEL_PLACEHOLDER, model_package_group_name, promotion_pipeline_name
from tests.lambda_handlers import load_handler
from tests.moto_accounts import MotoAccounts, moto_server
from tests.promotion_fixtures import IDEMPOTENCY_TABLE, create_idempotency_table, create_promotion_pipeline, executions

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
handler_module = load_handler("approval_trigger")

from promotion import UnknownModelGroupError  # noqa: E402

REGION = "eu-west-1"
DEV = "111111111111"
STAGING = "222222222222"
IMAGE = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:3.0-5"


class FakeContext:
    function_name = "approval-trigger"
    memory_limit_in_mb = 256
    invoked_function_arn = f"arn:aws:lambda:{REGION}:{DEV}:function:approval-trigger"
    aws_request_id = "8e1f4c2a-0b7d-4d93-a5e6-3c9f2b1d7a40"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 25_000


@pytest.fixture(scope="module")
def server() -> Iterator[MotoAccounts]:
    with moto_server() as endpoint_url:
        yield MotoAccounts(endpoint_url, REGION)


@pytest.fixture
def accounts(server: MotoAccounts, platform_config: PlatformConfig, monkeypatch: pytest.MonkeyPatch) -> MotoAccounts:
    """A clean moto; the approval trigger configured for the platform's models, talking to dev."""
    accounts = server
    accounts.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", accounts.endpoint_url)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", accounts.session(DEV))
    naming = {
        "groups": model_package_group_name(platform_config, MODEL_PLACEHOLDER),
        "pipelines": promotion_pipeline_name(platform_config, MODEL_PLACEHOLDER),
    }
    monkeypatch.setenv("PROMOTION_NAMING", json.dumps(naming))
    pipelines = [promotion_pipeline_name(platform_config, model.name) for model in platform_config.models]
    monkeypatch.setenv("IDEMPOTENCY_TABLE", IDEMPOTENCY_TABLE)
    for cached in (handler_module._settings, handler_module._promote_once):
        cached.cache_clear()
    create_idempotency_table(accounts.client("dynamodb", DEV))
    for pipeline in pipelines:
        create_promotion_pipeline(accounts.client("iam", DEV), accounts.client("codepipeline", DEV), pipeline)
    return accounts


def register_version(accounts: MotoAccounts, group: str, status: str) -> dict[str, Any]:
    """A new version in the dev registry, moved to ``status``; its description."""
    sagemaker = accounts.client("sagemaker", DEV)
    if not sagemaker.list_model_package_groups(NameContains=group)["ModelPackageGroupSummaryList"]:
        sagemaker.create_model_package_group(ModelPackageGroupName=group)
    arn = sagemaker.create_model_package(
        ModelPackageGroupName=group,
        ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={
            "Containers": [{"Image": IMAGE, "ModelDataUrl": f"s3://mlops-artifacts-{DEV}-{REGION}/models/model.tar.gz"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
    )["ModelPackageArn"]
    sagemaker.update_model_package(ModelPackageArn=arn, ModelApprovalStatus=status)
    return sagemaker.describe_model_package(ModelPackageName=arn)


def state_change_event(package: dict[str, Any], event_id: str) -> dict[str, Any]:
    """The event SageMaker would send for ``package``'s current state."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "SageMaker Model Package State Change",
        "source": "aws.sagemaker",
        "account": DEV,
        "time": "2026-11-20T09:41:07Z",
        "region": REGION,
        "resources": [package["ModelPackageArn"]],
        "detail": {
            key: package[key]
            for key in (
                "ModelPackageGroupName", "ModelPackageVersion", "ModelPackageArn", "ModelPackageStatus",
                "ModelApprovalStatus",
            )
        },
    }


def promotions(accounts: MotoAccounts, platform_config: PlatformConfig) -> list[dict[str, Any]]:
    codepipeline = accounts.client("codepipeline", DEV)
    return [
        execution
        for model in platform_config.models
        for execution in executions(codepipeline, promotion_pipeline_name(platform_config, model.name))
    ]


@pytest.fixture
def approved(accounts: MotoAccounts, platform_config: PlatformConfig, model_name: str) -> dict[str, Any]:
    """A version of the model under test, approved in the dev registry."""
    return register_version(accounts, model_package_group_name(platform_config, model_name), "Approved")


def test_approval_starts_the_models_promotion_with_the_package_arn(
    accounts: MotoAccounts, platform_config: PlatformConfig, approved: dict[str, Any], model_name: str
) -> None:
    handler_module.handler(state_change_event(approved, "4c8a2f10-6e3b-4d7a-9f15-0b2e8c6d4a91"), FakeContext())

    [promotion] = promotions(accounts, platform_config)
    assert promotion["pipelineName"] == promotion_pipeline_name(platform_config, model_name)
    assert promotion["variables"] == [{"name": "ModelPackageArn", "resolvedValue": approved["ModelPackageArn"]}]


def test_approval_sent_twice_starts_one_promotion(
    accounts: MotoAccounts, platform_config: PlatformConfig, approved: dict[str, Any]
) -> None:
    first = handler_module.handler(state_change_event(approved, "4c8a2f10-6e3b-4d7a-9f15-0b2e8c6d4a91"), FakeContext())
    second = handler_module.handler(state_change_event(approved, "b95d3e07-2a1c-4f68-8d40-7e3a1c9b5f26"), FakeContext())

    assert (first["outcome"], second["outcome"]) == ("started", "duplicate")
    assert len(promotions(accounts, platform_config)) == 1


def test_rejected_version_starts_no_promotion(
    accounts: MotoAccounts, platform_config: PlatformConfig, model_name: str
) -> None:
    rejected = register_version(accounts, model_package_group_name(platform_config, model_name), "Rejected")

    result = handler_module.handler(state_change_event(rejected, "e2a7c9d1-5b3f-4e80-a6c4-1d9f7b2e0c35"), FakeContext())

    assert result["outcome"] == "rejection-recorded"
    assert promotions(accounts, platform_config) == []


def test_approval_in_another_group_starts_no_promotion(accounts: MotoAccounts, platform_config: PlatformConfig) -> None:
    foreign = register_version(accounts, "fraud-detection", "Approved")

    with pytest.raises(UnknownModelGroupError):
        handler_module.handler(state_change_event(foreign, "7f3b1d9e-0c4a-4b62-8e57-2a6d9c1f3b08"), FakeContext())

    assert promotions(accounts, platform_config) == []
    assert accounts.client("dynamodb", DEV).scan(TableName=IDEMPOTENCY_TABLE)["Items"] == []


def test_staging_builds_its_model_from_the_dev_package_through_its_role(
    accounts: MotoAccounts, platform_config: PlatformConfig, approved: dict[str, Any], model_name: str
) -> None:
    # moto does not enforce trust or permissions: this checks the account plumbing (the
    # assumed role's credentials act in staging, on a package that lives in dev), not IAM.
    names = serving_role_names(platform_config)
    staging_iam = accounts.client("iam", STAGING)
    trust = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}'
    deployer = staging_iam.create_role(RoleName=names.cloudformation_execution, AssumeRolePolicyDocument=trust)["Role"]
    execution = staging_iam.create_role(RoleName=names.model_execution, AssumeRolePolicyDocument=trust)["Role"]
    credentials = accounts.client("sts", DEV).assume_role(RoleArn=deployer["Arn"], RoleSessionName="promotion")[
        "Credentials"
    ]
    staging = accounts.assumed_session(credentials).client("sagemaker", endpoint_url=accounts.endpoint_url)

    model_arn = staging.create_model(
        ModelName=f"{model_name}-v1",
        ExecutionRoleArn=execution["Arn"],
        Containers=[{"ModelPackageName": approved["ModelPackageArn"]}],
    )["ModelArn"]

    assert model_arn.split(":")[4] == STAGING
    described = staging.describe_model(ModelName=f"{model_name}-v1")
    assert [container["ModelPackageName"] for container in described["Containers"]] == [approved["ModelPackageArn"]]
    assert accounts.client("sagemaker", DEV).list_models()["Models"] == []


def test_accounts_do_not_see_each_others_resources(
    accounts: MotoAccounts, platform_config: PlatformConfig, model_name: str
) -> None:
    pipeline = promotion_pipeline_name(platform_config, model_name)

    dev_pipelines = [item["name"] for item in accounts.client("codepipeline", DEV).list_pipelines()["pipelines"]]
    staging_pipelines = accounts.client("codepipeline", STAGING).list_pipelines()["pipelines"]

    assert pipeline in dev_pipelines
    assert staging_pipelines == []
