"""How an A/B outcome (or a shadow's latency) is read: prod's model dashboard puts the served and the
candidate variant side by side, one line each."""

import json

from aws_cdk import App, Environment, Stage
from aws_cdk.assertions import Template

from platform_config import PlatformConfig
from platform_config.models import AbRelease
from stacks.components.realtime_endpoint import CHALLENGER_VARIANT_NAME, VARIANT_NAME
from stacks.model_monitoring_stack import ModelMonitoringStack, compared_variants
from tests.infra.test_monitoring import render
from tests.infra.test_release_endpoints import SHADOW
from tests.infra.test_release_promotion import _released


def test_prod_of_an_ab_release_graphs_invocations_errors_and_latency_per_variant(platform_config: PlatformConfig):
    model = _released(platform_config.models[0], "ab", ab=AbRelease(challenger_weight_percent=20))
    stage = Stage(App(), "Prod", env=Environment(account=platform_config.accounts.prod.account_id,
                                                 region=platform_config.region))
    stack = ModelMonitoringStack(stage, "Monitoring", config=platform_config, model=model, account_name="prod")
    (dashboard,) = Template.from_stack(stack).find_resources("AWS::CloudWatch::Dashboard").values()
    widgets = json.loads(render(dashboard["Properties"]["DashboardBody"]))["widgets"]

    per_variant = {widget["properties"]["title"]: widget["properties"]["metrics"] for widget in widgets
                   if widget["properties"].get("title", "").endswith("per variant")}

    assert set(per_variant) == {"Invocations per variant", "5xx errors per variant", "p99 model latency (µs) per variant"}
    for metrics in per_variant.values():
        assert [metric[-1]["label"] for metric in metrics] == [VARIANT_NAME, CHALLENGER_VARIANT_NAME]
        assert [metric[metric.index("VariantName") + 1] for metric in metrics] == [VARIANT_NAME, CHALLENGER_VARIANT_NAME]


def test_only_prod_of_a_release_with_a_candidate_compares_variants(platform_config: PlatformConfig):
    model = platform_config.models[0]

    assert compared_variants(_released(model, "shadow", shadow=SHADOW), "prod") == (VARIANT_NAME, "Shadow")
    assert compared_variants(_released(model, "shadow", shadow=SHADOW), "staging") == ()
    assert compared_variants(model, "prod") == ()
