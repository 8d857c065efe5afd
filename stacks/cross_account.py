"""Names and ARNs shared across accounts.

Stacks in different accounts cannot pass tokens to each other, so the roles one
account trusts in another have fixed, platform-prefixed names derived here, in
one place, from the config. Roles of one model (its monitoring job role) follow a
naming convention, ``<platform>-<model>-monitoring-job``, so that a shared policy
can name every model's role by pattern without listing the models.
"""

from dataclasses import dataclass

from platform_config import PlatformConfig
from platform_config.naming import ANY_MODEL, model_role_name

SERVING_ACCOUNTS = ("staging", "prod")


@dataclass(frozen=True)
class ServingRoleNames:
    """Roles that staging and prod create and dev refers to by name."""

    model_execution: str
    endpoint_deployer: str
    cloudformation_execution: str
    smoke_tester: str
    shadow_verdict_reader: str


def serving_role_names(config: PlatformConfig) -> ServingRoleNames:
    return ServingRoleNames(
        model_execution=f"{config.name}-model-execution",
        endpoint_deployer=f"{config.name}-endpoint-deployer",
        cloudformation_execution=f"{config.name}-endpoint-cfn-execution",
        smoke_tester=f"{config.name}-smoke-tester",
        shadow_verdict_reader=f"{config.name}-shadow-verdict-reader",
    )


MONITORING_JOB_ROLE_SUFFIX = "-monitoring-job"


def monitoring_job_role_name(config: PlatformConfig, model_name: str) -> str:
    """The role a model's monitoring jobs run as in staging and prod (its Monitoring stack creates
    it): ``<platform>-<model>-monitoring-job``, shortened by ``model_role_name``'s rule when too long
    for IAM, so the convention's pattern (``monitoring_job_role_arn_patterns``) still matches it."""
    return model_role_name(config, model_name, MONITORING_JOB_ROLE_SUFFIX)


def role_arn(config: PlatformConfig, account_name: str, role_name: str) -> str:
    account_id = getattr(config.accounts, account_name).account_id
    return f"arn:aws:iam::{account_id}:role/{role_name}"


def serving_account_ids(config: PlatformConfig) -> list[str]:
    return [getattr(config.accounts, name).account_id for name in SERVING_ACCOUNTS]


def model_execution_role_arns(config: PlatformConfig) -> list[str]:
    """The roles staging and prod endpoints run as: they read model artifacts from dev."""
    name = serving_role_names(config).model_execution
    return [role_arn(config, account, name) for account in SERVING_ACCOUNTS]


def monitoring_job_role_arns(config: PlatformConfig, model_name: str) -> list[str]:
    """The roles a model's monitoring jobs run as in staging and prod: they list and describe the
    versions of that model's group and read their baselines in dev."""
    name = monitoring_job_role_name(config, model_name)
    return [role_arn(config, account, name) for account in SERVING_ACCOUNTS]


def monitoring_job_role_arn_patterns(config: PlatformConfig) -> list[str]:
    """Every model's monitoring job roles in staging and prod, as ``ArnLike`` patterns: what a
    policy shared by all models (dev's artifact bucket and key) names instead of a list of models."""
    name = monitoring_job_role_name(config, ANY_MODEL)
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
    shadow_verdict_function: str


def promotion_role_names(config: PlatformConfig) -> PromotionRoleNames:
    return PromotionRoleNames(
        pipeline=f"{config.name}-promotion-pipeline",
        smoke_test_function=f"{config.name}-promotion-smoke-test",
        shadow_verdict_function=f"{config.name}-promotion-shadow-verdict",
    )
