"""Prod Endpoint stacks of the release strategies: the served version, and a candidate beside it that
exists only while the pipeline names one (a shadow variant, or an A/B challenger with its share)."""

import pytest
from aws_cdk import App, Environment, Stage
from aws_cdk.assertions import Match, Template

from platform_config import PlatformConfig
from platform_config.models import AbRelease, ShadowRelease
from stacks.components.realtime_endpoint import CHALLENGER_VARIANT_NAME, SHADOW_VARIANT_NAME, VARIANT_NAME
from stacks.endpoint_stack import CANDIDATE_PARAMETERS, MODEL_PACKAGE_PARAMETER, NO_CANDIDATE, EndpointStack

SHADOW = ShadowRelease(duration_minutes=60, min_samples=200, max_disagreement_rate=0.02, max_score_delta=0.05,
                       max_p95_latency_ratio=1.5)
HAS_CANDIDATE = "HasCandidate"


def _released(config: PlatformConfig, release: str, account: str = "prod", **settings) -> Template:
    model = config.models[0]
    prod = model.serving.prod.model_copy(update={"release": release, **settings})
    released = model.model_copy(update={"serving": model.serving.model_copy(update={"prod": prod})})
    stage = Stage(App(), account.capitalize(), env=Environment(
        account=getattr(config.accounts, account).account_id, region=config.region))
    return Template.from_stack(EndpointStack(stage, "Endpoint", config=config, model=released, account_name=account))


@pytest.fixture(scope="module")
def shadow(platform_config: PlatformConfig) -> Template:
    return _released(platform_config, "shadow", shadow=SHADOW)


@pytest.fixture(scope="module")
def ab(platform_config: PlatformConfig) -> Template:
    return _released(platform_config, "ab", ab=AbRelease(challenger_weight_percent=20))


def _only(template: Template, resource_type: str) -> dict:
    (resource,) = template.find_resources(resource_type).values()
    return resource


def test_a_shadow_release_takes_the_shadow_version_as_a_parameter_defaulting_to_none(shadow, platform_config):
    parameters = shadow.to_json()["Parameters"]
    candidate = parameters[CANDIDATE_PARAMETERS["shadow"]]

    assert candidate["Default"] == NO_CANDIDATE
    assert candidate["AllowedPattern"].startswith(f"^({NO_CANDIDATE}|arn:aws")
    assert "Default" not in parameters[MODEL_PACKAGE_PARAMETER]


def test_the_shadow_model_serves_the_shadow_parameter_only_while_it_names_a_version(shadow):
    models = shadow.find_resources("AWS::SageMaker::Model", {"Condition": HAS_CANDIDATE})
    (model,) = models.values()

    assert model["Properties"]["Containers"] == [{"ModelPackageName": {"Ref": CANDIDATE_PARAMETERS["shadow"]}}]
    assert shadow.to_json()["Conditions"][HAS_CANDIDATE] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": CANDIDATE_PARAMETERS["shadow"]}, NO_CANDIDATE]}]
    }


def test_the_shadow_variant_mirrors_the_served_variant_and_is_captured_with_it(shadow, platform_config):
    prod = platform_config.models[0].serving.prod
    config = _only(shadow, "AWS::SageMaker::EndpointConfig")["Properties"]
    served = config["ProductionVariants"]
    shadow_variants = config["ShadowProductionVariants"]["Fn::If"]

    assert [variant["VariantName"] for variant in served] == [VARIANT_NAME]
    assert shadow_variants[0] == HAS_CANDIDATE and shadow_variants[2] == {"Ref": "AWS::NoValue"}
    (variant,) = shadow_variants[1]
    assert variant["VariantName"] == SHADOW_VARIANT_NAME
    assert (variant["InstanceType"], variant["InitialInstanceCount"], variant["InitialVariantWeight"]) == (
        prod.instance_type, prod.min_instances, served[0]["InitialVariantWeight"])
    assert config["DataCaptureConfig"]["CaptureOptions"] == [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}]


def test_while_a_candidate_runs_the_update_shifts_at_once_else_canary(shadow):
    policy = _only(shadow, "AWS::SageMaker::Endpoint")["Properties"]["DeploymentConfig"]["BlueGreenUpdatePolicy"]

    condition, with_candidate, without = policy["Fn::If"]
    assert condition == HAS_CANDIDATE
    assert with_candidate["TrafficRoutingConfiguration"]["Type"] == "ALL_AT_ONCE"
    assert without["TrafficRoutingConfiguration"]["Type"] == "CANARY"


def test_an_ab_release_splits_the_requests_between_served_and_challenger(ab):
    config = _only(ab, "AWS::SageMaker::EndpointConfig")["Properties"]
    served, challenger = config["ProductionVariants"]

    assert served["VariantName"] == VARIANT_NAME
    assert served["InitialVariantWeight"] == {"Fn::If": [HAS_CANDIDATE, 80, 100]}
    condition, variant, absent = challenger["Fn::If"]
    assert (condition, absent) == (HAS_CANDIDATE, {"Ref": "AWS::NoValue"})
    assert (variant["VariantName"], variant["InitialVariantWeight"]) == (CHALLENGER_VARIANT_NAME, 20)
    assert "ShadowProductionVariants" not in config


def test_the_challenger_gets_the_smallest_fleet_carrying_its_share(platform_config):
    template = _released(platform_config, "ab", ab=AbRelease(challenger_weight_percent=30),
                         min_instances=4, max_instances=8)
    challenger = _only(template, "AWS::SageMaker::EndpointConfig")["Properties"]["ProductionVariants"][1]["Fn::If"][1]

    assert challenger["InitialInstanceCount"] == 2


def test_the_ab_challenger_is_a_parameter_defaulting_to_none(ab):
    assert ab.to_json()["Parameters"][CANDIDATE_PARAMETERS["ab"]]["Default"] == NO_CANDIDATE


def test_autoscaling_and_rollback_alarms_follow_the_served_variant(ab, platform_config):
    ab.has_resource_properties("AWS::ApplicationAutoScaling::ScalableTarget", {
        "ResourceId": Match.string_like_regexp(f"/variant/{VARIANT_NAME}$")})
    for alarm in ab.find_resources("AWS::CloudWatch::Alarm").values():
        dimensions = str(alarm["Properties"])
        assert VARIANT_NAME in dimensions and CHALLENGER_VARIANT_NAME not in dimensions


def test_staging_and_the_canary_release_take_no_candidate(platform_config):
    for template in (_released(platform_config, "shadow", account="staging", shadow=SHADOW),
                     _released(platform_config, "canary")):
        assert not set(CANDIDATE_PARAMETERS.values()) & set(template.to_json()["Parameters"])
        assert "Conditions" not in template.to_json() or HAS_CANDIDATE not in template.to_json()["Conditions"]
