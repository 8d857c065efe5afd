"""Model cards (dev): one shared function writes every model's version cards, reading only its run's
reports and the model's intended use, and adding a model adds only that model's parameter."""

import json

import pytest
from aws_cdk.assertions import Template

from platform_config import PlatformConfig
from platform_config.construct_ids import model_stack_id
from platform_config.models import ModelConfig
from platform_config.naming import dev_bucket_name, model_package_group_name, platform_tags
from tests.infra.template_queries import resources_of, role_statements
from tests.synth import SynthesizedApp


@pytest.fixture(scope="module")
def promotion(synthesized: SynthesizedApp) -> dict:
    return synthesized.templates["Dev/Promotion"]


def _card_function(promotion: dict) -> tuple[str, dict]:
    (item,) = [(logical_id, function) for logical_id, function in resources_of(promotion, "AWS::Lambda::Function").items()
               if logical_id.startswith("ModelCardsFunction")]
    return item


def _settings(promotion: dict) -> dict:
    _, function = _card_function(promotion)
    return json.loads(function["Properties"]["Environment"]["Variables"]["MODEL_CARD_SETTINGS"])


def test_every_state_change_of_a_platform_version_reaches_the_card_function(promotion, platform_config: PlatformConfig):
    (rule,) = [rule for logical_id, rule in resources_of(promotion, "AWS::Events::Rule").items()
               if logical_id.startswith("ModelCardsRule")]
    pattern = rule["Properties"]["EventPattern"]
    (target,) = rule["Properties"]["Targets"]
    function_id, _ = _card_function(promotion)

    assert pattern == {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Package State Change"],
        # Every status: registration creates the card, decisions update it.
        "detail": {"ModelPackageGroupName": [{"prefix": model_package_group_name(platform_config, "")}]},
    }
    assert target["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0 and "DeadLetterConfig" in target


def test_the_function_handles_one_event_at_a_time(promotion):
    _, function = _card_function(promotion)

    assert function["Properties"]["ReservedConcurrentExecutions"] == 1


def test_cards_are_read_from_and_exported_to_the_artifact_bucket_with_the_platforms_tags(promotion, platform_config):
    settings = _settings(promotion)

    assert settings["reports_bucket"] == dev_bucket_name(platform_config, "artifacts")
    assert settings["export_prefix"] == "model-cards/"
    assert settings["tags"] == platform_tags(platform_config)
    assert settings["groups"] == model_package_group_name(platform_config, "{model}")


def test_the_function_writes_only_its_own_cards(promotion, platform_config):
    _, function = _card_function(promotion)
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    card_statements = [statement for statement in role_statements(promotion, role_id)
                       if any(action.startswith("sagemaker:") and "ModelCard" in action
                              for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]))]

    (statement,) = card_statements
    dev, region = platform_config.accounts.dev.account_id, platform_config.region
    assert statement["Resource"] == f"arn:aws:sagemaker:{region}:{dev}:model-card/{platform_config.name}-*-card"


def test_each_model_stack_writes_its_intended_use_for_the_cards(synthesized: SynthesizedApp, model: ModelConfig, platform_config):
    template = Template.from_json(synthesized.templates[f"Dev/{model_stack_id(model.name)}"])
    parameters = template.find_resources(
        "AWS::SSM::Parameter", {"Properties": {"Name": f"/{platform_config.name}/models/{model.name}/intended-use"}}
    )

    if model.intended_use is None:
        assert parameters == {}
        return
    ((_, parameter),) = parameters.items()
    assert json.loads(parameter["Properties"]["Value"]) == model.intended_use.card_section()
