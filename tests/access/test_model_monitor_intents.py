"""The intents the ``sagemaker-model-monitor`` engine adds, evaluated against that config variant's policies.

The committed config selects the open-source engine, so the session's rehearsal only
proves the CloudFormation role cannot create Model Monitor schedules there. This module
synthesizes the variant once and evaluates the intents its table has beyond the committed one.
"""

from typing import Any

import pytest

from platform_config import PlatformConfig
from tests.access.conftest import endpoint_parameters
from tests.access.evaluate import decision, evaluate, request_for
from tests.access.intents import Intent, access_intents
from tests.access.policies import PolicyIndex
from tests.access.resolve import Resolver
from tests.infra.test_model_monitor_engine import model_monitor_config
from tests.synth import synthesize

BASELINE = "s3://mlops-artifacts-111111111111-eu-west-1/models/credit-risk/exec1/baseline"


@pytest.fixture(scope="module")
def variant(platform_config: PlatformConfig) -> PlatformConfig:
    return model_monitor_config(platform_config)


@pytest.fixture(scope="module")
def added_intents(variant: PlatformConfig, platform_config: PlatformConfig) -> list[Intent]:
    committed = {intent.id for intent in access_intents(platform_config)}
    return [intent for intent in access_intents(variant) if intent.id not in committed]


@pytest.fixture(scope="module")
def decisions(
    variant: PlatformConfig, added_intents: list[Intent], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Intent, Any, str]]:
    app = synthesize(variant, outdir=tmp_path_factory.mktemp("model-monitor-access.out"))
    parameters = {
        stack: {**values, "BaselineStatisticsUri": f"{BASELINE}/statistics.json",
                "BaselineConstraintsUri": f"{BASELINE}/constraints.json"}
        for stack, values in endpoint_parameters(variant).items()
    }
    # The roles these intents name are ServingFoundation's; the resolver does not model the composite
    # alarms of this engine's Monitoring stacks, which hold no policy these intents meet.
    templates = {path: template for path, template in app.templates.items() if not path.endswith("/Monitoring")}
    index = PolicyIndex(Resolver(templates, variant, parameters))
    requests = [request_for(index, intent) for intent in added_intents]
    return {
        intent.id: (intent, result, decision(result))
        for intent, result in zip(added_intents, evaluate(requests), strict=True)
    }


def test_the_engine_adds_allowed_and_denied_calls_of_the_cloudformation_role(added_intents: list[Intent]) -> None:
    names = {intent.name for intent in added_intents}

    assert {f"cfn-creates-monitoring-schedule-{account}" for account in ("staging", "prod")} <= names
    assert {f"cfn-passes-monitoring-job-role-{account}" for account in ("staging", "prod")} <= names
    assert {intent.expect for intent in added_intents} == {"Allow", "Deny"}


def test_every_added_intent_gets_the_decision_it_expects(decisions: dict[str, tuple[Intent, Any, str]]) -> None:
    wrong = {
        intent_id: f"expected {intent.expect}, got {actual}: {intent.why}"
        for intent_id, (intent, _, actual) in decisions.items()
        if actual != intent.expect
    }
    assert wrong == {}
