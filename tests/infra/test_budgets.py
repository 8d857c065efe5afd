"""Account budgets: each configured budget is an AWS Budgets budget that e-mails its alerts, and synth
fails when an account's estimated monthly cost can exceed its budget."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import App, Environment, Stage
from aws_cdk.assertions import Template

from platform_config import PlatformConfig
from platform_config.naming import budget_name
from stacks.cost.budgets import BudgetExceeded, check_budgets
from stacks.cost.report import estimate_assembly, money
from stacks.network_stack import SERVING_INTERFACE_SERVICES, NetworkStack
from stacks.platform_app import availability_zone_context
from tests.infra.template_queries import only, resources_of
from tests.synth import DEFAULT_CONFIG_PATH, REPO_ROOT, SynthesizedApp, cdk_json_context

STAGES = {"dev": "Dev", "staging": "Staging", "prod": "Prod"}


def with_budget(config: PlatformConfig, account_name: str, budget: float | None) -> PlatformConfig:
    account = getattr(config.accounts, account_name).model_copy(update={"monthly_budget_usd": budget})
    return config.model_copy(update={"accounts": config.accounts.model_copy(update={account_name: account})})


def test_each_budgeted_account_gets_a_monthly_cost_budget_that_emails_its_alerts(
    synthesized: SynthesizedApp, platform_config: PlatformConfig
) -> None:
    subscribers = [{"Address": email, "SubscriptionType": "EMAIL"} for email in platform_config.budget_alert_emails]
    for name, account in platform_config.accounts.items():
        budgets = resources_of(synthesized.templates[f"{STAGES[name]}/Network"], "AWS::Budgets::Budget")
        if account.monthly_budget_usd is None:
            assert budgets == {}
            continue
        _, budget = only(budgets)

        assert budget["Properties"]["Budget"] == {
            "BudgetName": budget_name(platform_config),
            "BudgetType": "COST",
            "TimeUnit": "MONTHLY",
            "BudgetLimit": {"Amount": account.monthly_budget_usd, "Unit": "USD"},
            "FilterExpression": {
                "Tags": {"Key": "platform", "Values": [platform_config.name], "MatchOptions": ["EQUALS"]}
            },
            "Metrics": ["UnblendedCost"],
        }
        assert budget["Properties"]["NotificationsWithSubscribers"] == [
            {"Notification": {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80,
                              "ThresholdType": "PERCENTAGE"}, "Subscribers": subscribers},
            {"Notification": {"NotificationType": "FORECASTED", "ComparisonOperator": "GREATER_THAN", "Threshold": 100,
                              "ThresholdType": "PERCENTAGE"}, "Subscribers": subscribers},
        ]


def test_an_account_without_a_budget_gets_none(platform_config: PlatformConfig) -> None:
    config = with_budget(platform_config, "staging", None)
    app = App(context={**cdk_json_context(), **availability_zone_context(config)})
    stage = Stage(app, "Staging", env=Environment(account=config.accounts.staging.account_id, region=config.region))
    stack = NetworkStack(
        stage, "Network", config=config, account_name="staging", interface_services=SERVING_INTERFACE_SERVICES
    )

    Template.from_stack(stack).resource_count_is("AWS::Budgets::Budget", 0)


def test_an_account_whose_estimate_can_exceed_its_budget_fails_naming_the_field_and_the_estimate(
    synthesized: SynthesizedApp, platform_config: PlatformConfig
) -> None:
    [staging] = estimate_assembly(synthesized.outdir, accounts=["staging"])

    with pytest.raises(BudgetExceeded) as raised:
        check_budgets(with_budget(platform_config, "staging", 10.0), synthesized.outdir)

    message = str(raised.value)
    assert (
        f"accounts.staging.monthly_budget_usd is $10.00, but {staging.account} is estimated at "
        f"{money(staging.low, staging.high)} a month"
    ) in message
    assert "accounts.prod" not in message and "accounts.dev" not in message


def test_the_highest_estimate_is_held_against_the_budget(
    synthesized: SynthesizedApp, platform_config: PlatformConfig
) -> None:
    [prod] = estimate_assembly(synthesized.outdir, accounts=["prod"])
    assert prod.low < prod.high

    with pytest.raises(BudgetExceeded, match=r"accounts\.prod\.monthly_budget_usd"):
        check_budgets(with_budget(platform_config, "prod", (prod.low + prod.high) / 2), synthesized.outdir)
    check_budgets(with_budget(platform_config, "prod", prod.high), synthesized.outdir)


def test_within_budget_only_the_budgeted_accounts_are_priced(
    synthesized: SynthesizedApp, platform_config: PlatformConfig
) -> None:
    config = with_budget(platform_config, "dev", None)
    budgeted = {
        name: account.monthly_budget_usd for name, account in config.accounts.items() if account.monthly_budget_usd is not None
    }

    estimates = check_budgets(config, synthesized.outdir)

    assert {estimate.name: estimate.budget_usd for estimate in estimates} == budgeted


def test_the_cdk_app_refuses_to_synthesize_an_account_over_its_budget(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "contracts").symlink_to(DEFAULT_CONFIG_PATH.parent / "contracts")
    text, replaced = re.subn(
        r"(\[accounts\.staging\][^\[]*\nmonthly_budget_usd = )\S+", r"\g<1>1", DEFAULT_CONFIG_PATH.read_text()
    )
    assert replaced == 1
    config = folder / "platform.toml"
    config.write_text(text.replace('dataset = "../data/', f'dataset = "{REPO_ROOT}/data/'))
    env = {**os.environ, "CDK_OUTDIR": str(tmp_path / "out"),
           "CDK_CONTEXT_JSON": json.dumps({**cdk_json_context(), "config": str(config)})}

    result = subprocess.run([sys.executable, "app.py"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)

    assert result.returncode != 0
    assert "the estimated monthly cost exceeds the budget" in result.stderr
    assert "accounts.staging.monthly_budget_usd is $1.00, but Staging (222222222222/eu-west-1) is estimated at" in result.stderr
    assert "Traceback" not in result.stderr
