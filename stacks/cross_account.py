"""Names and ARNs shared across accounts.

Stacks in different accounts cannot pass tokens to each other, so the roles one
account trusts in another have fixed, platform-prefixed names derived here, in
one place, from the config.
"""

from dataclasses import dataclass

from platform_config import PlatformConfig

SERVING_ACCOUNTS = ("staging", "prod")


@dataclass(frozen=True)
class ServingRoleNames:
    """Roles that staging and prod create and dev refers to by name."""

    model_execution: str
    endpoint_deployer: str
    cloudformation_execution: str
    smoke_tester: str
    monitoring_job: str


def serving_role_names(config: PlatformConfig) -> ServingRoleNames:
    return ServingRoleNames(
        model_execution=f"{config.name}-model-execution",
        endpoint_deployer=f"{config.name}-endpoint-deployer",
        cloudformation_execution=f"{config.name}-endpoint-cfn-execution",
        smoke_tester=f"{config.name}-smoke-tester",
        monitoring_job=f"{config.name}-monitoring-job",
    )


def role_arn(config: PlatformConfig, account_name: str, role_name: str) -> str:
    account_id = getattr(config.accounts, account_name).account_id
    return f"arn:aws:iam::{account_id}:role/{role_name}"


def serving_account_ids(config: PlatformConfig) -> list[str]:
    return [getattr(config.accounts, name).account_id for name in SERVING_ACCOUNTS]


def model_execution_role_arns(config: PlatformConfig) -> list[str]:
    """The roles staging and prod endpoints run as: they read model artifacts from dev."""
    name = serving_role_names(config).model_execution
    return [role_arn(config, account, name) for account in SERVING_ACCOUNTS]


def monitoring_job_role_arns(config: PlatformConfig) -> list[str]:
    """The roles staging and prod monitoring jobs run as: they read baselines from dev."""
    name = serving_role_names(config).monitoring_job
    return [role_arn(config, account, name) for account in SERVING_ACCOUNTS]


def cloudformation_execution_role_arns(config: PlatformConfig) -> list[str]:
    """The roles staging and prod Endpoint stacks deploy as: they create models from dev's registry."""
    name = serving_role_names(config).cloudformation_execution
    return [role_arn(config, account, name) for account in SERVING_ACCOUNTS]


@dataclass(frozen=True)
class PromotionRoleNames:
    """Roles that dev creates and staging and prod trust by name."""

    pipeline: str
    smoke_test_function: str


def promotion_role_names(config: PlatformConfig) -> PromotionRoleNames:
    return PromotionRoleNames(
        pipeline=f"{config.name}-promotion-pipeline",
        smoke_test_function=f"{config.name}-promotion-smoke-test",
    )
