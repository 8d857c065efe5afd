"""Names and ARNs one account's policies use for another's roles: derived from the config alone,
so dev's policies and the serving accounts' roles agree without passing tokens."""

import re
from fnmatch import fnmatchcase

from platform_config import PlatformConfig
from stacks.cross_account import (
    SERVING_ACCOUNTS,
    cloudformation_execution_role_arns,
    PromotionRoleNames,
    ServingRoleNames,
    model_execution_role_arns,
    monitoring_job_role_arn_patterns,
    monitoring_job_role_arns,
    monitoring_job_role_name,
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
        shadow_verdict_reader="mlops-shadow-verdict-reader",
    )


def test_promotion_roles_have_platform_prefixed_names(platform_config: PlatformConfig) -> None:
    assert promotion_role_names(platform_config) == PromotionRoleNames(
        pipeline="mlops-promotion-pipeline", smoke_test_function="mlops-promotion-smoke-test",
        shadow_verdict_function="mlops-promotion-shadow-verdict",
    )


def test_artifact_readers_are_each_serving_accounts_model_execution_and_monitoring_roles(
    platform_config: PlatformConfig,
) -> None:
    assert model_execution_role_arns(platform_config) == [
        "arn:aws:iam::222222222222:role/mlops-model-execution",
        "arn:aws:iam::333333333333:role/mlops-model-execution",
    ]
    for model in platform_config.models:
        assert monitoring_job_role_arns(platform_config, model.name) == [
            f"arn:aws:iam::222222222222:role/mlops-{model.name}-monitoring-job",
            f"arn:aws:iam::333333333333:role/mlops-{model.name}-monitoring-job",
        ]
    assert cloudformation_execution_role_arns(platform_config) == [
        "arn:aws:iam::222222222222:role/mlops-endpoint-cfn-execution",
        "arn:aws:iam::333333333333:role/mlops-endpoint-cfn-execution",
    ]


def test_every_models_monitoring_job_roles_match_the_convention_shared_policies_name(
    platform_config: PlatformConfig,
) -> None:
    patterns = monitoring_job_role_arn_patterns(platform_config)
    assert patterns == [
        "arn:aws:iam::222222222222:role/mlops-*-monitoring-job",
        "arn:aws:iam::333333333333:role/mlops-*-monitoring-job",
    ]
    longest = "m" * 20 + "-" * 30 + "m" * 20
    for name in [*(model.name for model in platform_config.models), longest]:
        arns = monitoring_job_role_arns(platform_config, name)
        assert [fnmatchcase(arn, pattern) for arn, pattern in zip(arns, patterns, strict=True)] == [True, True]
    assert not any(fnmatchcase("arn:aws:iam::222222222222:role/mlops-model-execution", p) for p in patterns)


def test_monitoring_job_role_names_fit_iam_and_stay_distinct(platform_config: PlatformConfig) -> None:
    # A model name may hold 40 characters and any number of dashes; IAM takes 64.
    long_a, long_b = "a" * 20 + "-" * 20 + "a" * 20, "a" * 20 + "-" * 20 + "a" * 19 + "b"
    names = [monitoring_job_role_name(platform_config, name) for name in (long_a, long_b, "credit-risk")]
    assert all(len(name) <= 64 and name.endswith("-monitoring-job") for name in names)
    assert len(set(names)) == 3
    assert names[2] == "mlops-credit-risk-monitoring-job"


def test_a_monitoring_job_role_name_is_shortened_only_past_iams_limit(platform_config: PlatformConfig) -> None:
    # "mlops-" + 43 characters + "-monitoring-job" is exactly 64: kept; one more is shortened to 64.
    fitting = monitoring_job_role_name(platform_config, "a" * 43)
    shortened = monitoring_job_role_name(platform_config, "a" * 44)

    assert fitting == "mlops-" + "a" * 43 + "-monitoring-job"
    assert len(shortened) == 64
    assert re.fullmatch(r"mlops-a{34}-[0-9a-f]{8}-monitoring-job", shortened)
