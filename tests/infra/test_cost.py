"""`make cost`: each account's monthly estimate from the synthesized templates, priced with a dated table."""

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from platform_config import PlatformConfig
from stacks.cost import CostError, estimate_assembly, estimate_template, load_prices, render
from stacks.cost.estimate import budget_limit
from stacks.cost.prices import PriceTable
from stacks.cost.report import against_budget, money
from stacks.cost.schedules import runs_per_month
from stacks.summary import summarize
from tests.synth import REPO_ROOT, SynthesizedApp

# Round numbers, so the hand calculation below is readable; the shipped table is tested separately.
PRICES = PriceTable(
    region="eu-west-1",
    taken="2026-12-01",
    table={
        "sagemaker_hosting_per_hour": {"source": "test", "prices": {"ml.m5.large": 0.2}},
        "sagemaker_processing_per_hour": {"source": "test", "prices": {"ml.m5.xlarge": 0.3}},
        "sagemaker_studio_per_hour": {"source": "test", "prices": {"ml.t3.medium": 0.05}},
        "kms_key_per_month": {"source": "test", "price": 1.0},
        "vpc_interface_endpoint_per_az_hour": {"source": "test", "price": 0.01},
        "nat_gateway_per_hour": {"source": "test", "price": 0.05},
    },
)
SUBNETS = [{"Ref": "SubnetA"}, {"Ref": "SubnetB"}, {"Ref": "SubnetC"}]


def small_template(instance_type: str = "ml.m5.large") -> dict[str, Any]:
    """An autoscaled and a serverless endpoint, a processing job every 6 hours, Studio with two users,
    three keys, two interface endpoints in three AZs, an S3 gateway endpoint and one NAT gateway."""
    resources: dict[str, Any] = {
        "Config": {"Type": "AWS::SageMaker::EndpointConfig", "Properties": {"ProductionVariants": [
            {"VariantName": "AllTraffic", "InstanceType": instance_type, "InitialInstanceCount": 2},
        ]}},
        "Endpoint": {"Type": "AWS::SageMaker::Endpoint", "Properties": {
            "EndpointConfigName": {"Fn::GetAtt": ["Config", "EndpointConfigName"]},
        }},
        "Target": {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": {
            "ServiceNamespace": "sagemaker", "MinCapacity": 2, "MaxCapacity": 5,
            "ResourceId": {"Fn::Join": ["", ["endpoint/", {"Fn::GetAtt": ["Endpoint", "EndpointName"]},
                                             "/variant/AllTraffic"]]},
        }},
        "ServerlessConfig": {"Type": "AWS::SageMaker::EndpointConfig", "Properties": {"ProductionVariants": [
            {"VariantName": "AllTraffic", "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5}},
        ]}},
        "ServerlessEndpoint": {"Type": "AWS::SageMaker::Endpoint", "Properties": {
            "EndpointName": "staging-like", "EndpointConfigName": {"Fn::GetAtt": ["ServerlessConfig", "EndpointConfigName"]},
        }},
        "Schedule": {"Type": "AWS::Scheduler::Schedule", "Properties": {
            "ScheduleExpression": "rate(6 hours)",
            "Target": {
                "Arn": "arn:aws:scheduler:::aws-sdk:sagemaker:createProcessingJob",
                "Input": {"Fn::Join": ["", [
                    '{"RoleArn":"', {"Fn::GetAtt": ["Role", "Arn"]}, '","ProcessingResources":{"ClusterConfig":'
                    '{"InstanceCount":2,"InstanceType":"ml.m5.xlarge","VolumeSizeInGB":30}}}',
                ]]},
            },
        }},
        "Domain": {"Type": "AWS::SageMaker::Domain", "Properties": {"DefaultUserSettings": {"JupyterLabAppSettings": {
            "AppLifecycleManagement": {"IdleSettings": {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 60}},
        }}}},
        "Alice": {"Type": "AWS::SageMaker::UserProfile", "Properties": {}},
        "Bob": {"Type": "AWS::SageMaker::UserProfile", "Properties": {}},
        "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {}},
        "S3": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcEndpointType": "Gateway"}},
    }
    for key in ("KeyA", "KeyB", "KeyC"):
        resources[key] = {"Type": "AWS::KMS::Key", "Properties": {}}
    for endpoint in ("Sts", "Logs"):
        resources[endpoint] = {"Type": "AWS::EC2::VPCEndpoint",
                               "Properties": {"VpcEndpointType": "Interface", "SubnetIds": SUBNETS}}
    return {"Resources": resources}


def test_a_small_template_costs_what_the_hand_calculation_says() -> None:
    endpoint_low = 2 * 730 * 0.2  # min 2 instances all month
    endpoint_high = 5 * 730 * 0.2  # max 5
    processing = (730 / 6) * (10 / 60) * 2 * 0.3  # runs x 10 min x 2 instances x price
    studio = 2 * 21 * 1 * 0.05  # users x working days x 1 h idle shutdown x price
    keys = 3 * 1.0
    interface_endpoints = 2 * 3 * 730 * 0.01  # endpoints x AZs x hours; the gateway endpoint is free
    nat = 730 * 0.05
    by_category: dict[str, list[float]] = {}
    for item in estimate_template(small_template(), PRICES):
        low, high = by_category.get(item.category, [0.0, 0.0])
        by_category[item.category] = [low + item.low, high + item.high]

    assert by_category == {
        "SageMaker endpoint": pytest.approx([endpoint_low, endpoint_high]),
        "Scheduled processing job": pytest.approx([processing, processing]),
        "Studio": pytest.approx([studio, studio]),
        "KMS keys": pytest.approx([keys, keys]),
        "VPC interface endpoints": pytest.approx([interface_endpoints, interface_endpoints]),
        "NAT gateways": pytest.approx([nat, nat]),
    }


def test_a_serverless_endpoint_is_pay_per_use_with_its_settings() -> None:
    serverless = [item for item in estimate_template(small_template(), PRICES) if "staging-like" in item.detail]

    assert [(item.low, item.high) for item in serverless] == [(0.0, 0.0)]
    assert "2048 MB, max concurrency 5: pay per use" in serverless[0].detail


def test_only_interface_endpoints_are_priced_per_az() -> None:
    [item] = [item for item in estimate_template(small_template(), PRICES) if item.category == "VPC interface endpoints"]

    assert item.detail.startswith("2 endpoints, 6 endpoint-AZs x 730 h")


def test_an_async_endpoint_that_scales_to_zero_costs_nothing_idle_and_its_max_at_most() -> None:
    template = small_template()
    template["Resources"]["Config"]["Properties"]["AsyncInferenceConfig"] = {"OutputConfig": {"S3OutputPath": "s3://x"}}
    template["Resources"]["Target"]["Properties"].update(MinCapacity=0, MaxCapacity=3)
    [item] = [item for item in estimate_template(template, PRICES) if item.detail.startswith("Endpoint / AllTraffic")]

    assert (item.low, item.high) == pytest.approx((0.0, 3 * 730 * 0.2))
    assert "async, 0-3 (autoscaling)" in item.detail and "scales to zero when idle" in item.detail


def test_a_release_candidate_costs_nothing_idle_and_a_whole_month_at_most() -> None:
    template = small_template()
    shadow = {"VariantName": "Shadow", "InstanceType": "ml.m5.large", "InitialInstanceCount": 2}
    template["Resources"]["Config"]["Properties"]["ShadowProductionVariants"] = {
        "Fn::If": ["HasCandidate", [shadow], {"Ref": "AWS::NoValue"}]}

    [item] = [item for item in estimate_template(template, PRICES) if "Endpoint / Shadow" in item.detail]

    assert (item.low, item.high) == pytest.approx((0.0, 2 * 730 * 0.2))
    assert "(only while a promotion runs it)" in item.detail


def test_an_ab_challenger_inside_the_production_variants_is_priced_as_a_candidate() -> None:
    template = small_template()
    challenger = {"VariantName": "Challenger", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
    template["Resources"]["Config"]["Properties"]["ProductionVariants"].append(
        {"Fn::If": ["HasCandidate", challenger, {"Ref": "AWS::NoValue"}]})

    items = {item.detail.split(":")[0]: (item.low, item.high) for item in estimate_template(template, PRICES)
             if item.detail.startswith("Endpoint /")}

    assert items["Endpoint / AllTraffic"] == pytest.approx((2 * 730 * 0.2, 5 * 730 * 0.2))
    assert items["Endpoint / Challenger (only while a promotion runs it)"] == pytest.approx((0.0, 730 * 0.2))


def test_an_unknown_instance_type_is_an_error_naming_it() -> None:
    with pytest.raises(CostError, match=r"'ml\.x9\.huge'"):
        estimate_template(small_template(instance_type="ml.x9.huge"), PRICES)


@pytest.mark.parametrize(
    ("expression", "runs"),
    [
        ("cron(0 * ? * * *)", 730),
        ("cron(0/15 * ? * * *)", 730 * 4),
        ("cron(0 6 ? * MON-FRI *)", 730 / 24 * 5 / 7),
        ("rate(1 day)", 730 / 24),
        ("rate(30 minutes)", 730 * 2),
        ("at(2026-12-24T10:00:00)", 0),
    ],
)
def test_a_schedule_runs_as_often_as_its_expression_says(expression: str, runs: float) -> None:
    assert runs_per_month(expression) == pytest.approx(runs)


def test_a_schedule_the_estimate_cannot_read_is_an_error_naming_it() -> None:
    with pytest.raises(CostError, match=r"cron\(0 12 L \* \? \*\)"):
        runs_per_month("cron(0 12 L * ? *)")


def test_the_shipped_price_table_is_dated_and_every_price_has_a_source_and_says_what_was_checked() -> None:
    prices = load_prices("eu-west-1")
    entries = [entry for entry in prices.table.values() if isinstance(entry, dict)]

    assert prices.taken == "2026-12-01"
    assert entries and all(entry["source"].startswith("https://aws.amazon.com/") for entry in entries)
    assert all(entry["checked"].strip() for entry in entries)


def test_a_region_without_a_price_table_is_an_error_naming_it() -> None:
    with pytest.raises(CostError, match="'ap-south-2'"):
        load_prices("ap-south-2")


@pytest.fixture(scope="module")
def default_estimates(synthesized: SynthesizedApp) -> dict[str, Any]:
    return {estimate.account.split()[0]: estimate for estimate in estimate_assembly(synthesized.outdir)}


def test_every_account_of_the_config_gets_an_estimate_without_nat(default_estimates: dict[str, Any]) -> None:
    assert list(default_estimates) == ["Dev", "Staging", "Prod"]
    for estimate in default_estimates.values():
        assert [item.detail for item in estimate.items if item.category == "NAT gateways"] == [
            "none: private subnets reach AWS through VPC endpoints"
        ]
        assert estimate.low > 0


def test_endpoints_are_priced_in_staging_and_prod_as_the_config_sizes_them(
    default_estimates: dict[str, Any], platform_config: PlatformConfig
) -> None:
    prices = load_prices(platform_config.region)
    staging = sum(
        0.0 if model.serving.staging.serverless else prices.hourly("hosting", model.serving.staging.instance_type) * 730
        for model in platform_config.models
    )
    prod = [
        sum(getattr(model.serving.prod, bound) * prices.hourly("hosting", model.serving.prod.instance_type) * 730
            for model in platform_config.models)
        for bound in ("min_instances", "max_instances")
    ]

    def endpoints(account: str) -> tuple[float, float]:
        items = [item for item in default_estimates[account].items if item.category == "SageMaker endpoint"]
        assert len(items) == len(platform_config.models)
        return sum(item.low for item in items), sum(item.high for item in items)

    assert endpoints("Staging") == pytest.approx((staging, staging))
    assert endpoints("Prod") == pytest.approx(tuple(prod))
    assert not any(item.category == "SageMaker endpoint" for item in default_estimates["Dev"].items)


def test_make_cost_prints_each_account_with_its_total(synthesized: SynthesizedApp, default_estimates: dict[str, Any]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "stacks.cost", str(synthesized.outdir)],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    )

    assert result.stdout.strip() == render(list(default_estimates.values()))
    assert "price table of 2026-12-01: most of its prices are unchecked against AWS" in result.stdout
    for account in ("Dev (111111111111/eu-west-1): $", "Staging (222222222222", "Prod (333333333333"):
        assert account in result.stdout


def test_an_empty_assembly_is_an_error_saying_to_synth_first(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "stacks.cost", str(tmp_path)], cwd=REPO_ROOT, capture_output=True, text=True
    )

    assert result.returncode != 0
    assert "run `make synth` first" in result.stderr


def test_each_account_is_shown_against_its_budget(default_estimates: dict[str, Any], platform_config: PlatformConfig) -> None:
    text = render(list(default_estimates.values()))

    for name, account in platform_config.accounts.items():
        estimate = default_estimates[name.capitalize()]
        budget = account.monthly_budget_usd
        assert estimate.budget_usd == budget
        shown = "no budget" if budget is None else f"budget ${budget:,.2f}, {estimate.high / budget:.0%} of it at most"
        assert f"{estimate.account}: {money(estimate.low, estimate.high)} ({shown})" in text


def test_the_synth_summary_prints_each_accounts_estimate(
    synthesized: SynthesizedApp, default_estimates: dict[str, Any]
) -> None:
    lines = summarize(synthesized.outdir).splitlines()

    for stage_id, estimate in default_estimates.items():
        heading = lines.index(estimate.account)
        assert lines[heading + 1] == f"  estimated cost: {money(estimate.low, estimate.high)} a month{against_budget(estimate)}"


def test_only_a_monthly_cost_budget_is_read_as_the_accounts_budget() -> None:
    def template(budget_type: str, time_unit: str) -> dict[str, Any]:
        return {"Resources": {"Budget": {"Type": "AWS::Budgets::Budget", "Properties": {"Budget": {
            "BudgetType": budget_type, "TimeUnit": time_unit, "BudgetLimit": {"Amount": 250, "Unit": "USD"},
        }}}}}

    assert budget_limit(template("COST", "MONTHLY")) == 250.0
    assert budget_limit(template("USAGE", "MONTHLY")) is None
    assert budget_limit(template("COST", "ANNUALLY")) is None
    assert budget_limit(small_template()) is None
