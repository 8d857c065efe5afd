"""Names and ARNs one account's policies use for another's roles: derived from the config alone,
so dev's policies and the serving accounts' roles agree without passing tokens."""

from platform_config import PlatformConfig
from stacks.cross_account import (
    SERVING_ACCOUNTS,
    cloudformation_execution_role_arns,
    PromotionRoleNames,
    ServingRoleNames,
    model_execution_role_arns,
    monitoring_job_role_arns,
    promotion_role_names,
    role_arn,
    serving_account_ids,
    serving_role_names,
)


def test_serving_accounts_are_staging_then_prod_never_dev(platform_config: PlatformConfig) -> None:
    assert SERVING_ACCOUNTS == ("staging", "prod")
    assert serving_account_ids(platform_config) == ["222222222222", "333333333333"]


def test_role_arn_names_the_role_in_the_configured_account(platform_config: PlatformConfig) -> None:
    assert role_arn(platform_config, "prod", "mlops-smoke-tester") == "arn:aws:iam::333333333333:role/mlops-smoke-tester"


def test_serving_roles_have_platform_prefixed_names(platform_config: PlatformConfig) -> None:
    assert serving_role_names(platform_config) == ServingRoleNames(
        model_execution="mlops-model-execution",
        endpoint_deployer="mlops-endpoint-deployer",
        cloudformation_execution="mlops-endpoint-cfn-execution",
        smoke_tester="mlops-smoke-tester",
        monitoring_job="mlops-monitoring-job",
    )


def test_promotion_roles_have_platform_prefixed_names(platform_config: PlatformConfig) -> None:
    assert promotion_role_names(platform_config) == PromotionRoleNames(
        pipeline="mlops-promotion-pipeline", smoke_test_function="mlops-promotion-smoke-test"
    )


def test_artifact_readers_are_each_serving_accounts_model_execution_and_monitoring_roles(
    platform_config: PlatformConfig,
) -> None:
    assert model_execution_role_arns(platform_config) == [
        "arn:aws:iam::222222222222:role/mlops-model-execution",
        "arn:aws:iam::333333333333:role/mlops-model-execution",
    ]
    assert monitoring_job_role_arns(platform_config) == [
        "arn:aws:iam::222222222222:role/mlops-monitoring-job",
        "arn:aws:iam::333333333333:role/mlops-monitoring-job",
    ]
    assert cloudformation_execution_role_arns(platform_config) == [
        "arn:aws:iam::222222222222:role/mlops-endpoint-cfn-execution",
        "arn:aws:iam::333333333333:role/mlops-endpoint-cfn-execution",
    ]
