"""The rehearsal's fixtures: the policy index over the synthesized app, and every intent evaluated once."""

from typing import Any

import pytest

from platform_config import PlatformConfig
from platform_config.naming import endpoint_stack_name, model_package_group_name
from stacks.platform_app import STAGE_IDS
from tests.access.evaluate import Request, evaluate, request_for
from tests.access.intents import Intent, access_intents
from tests.access.policies import PolicyIndex
from tests.access.resolve import Resolver
from tests.synth import SynthesizedApp


def endpoint_parameters(config: PlatformConfig) -> dict[str, dict[str, str]]:
    """The ModelPackageArn a promotion passes to each Endpoint stack: version 1 of the model's group."""
    return {
        f"{STAGE_IDS[account]}/{endpoint_stack_name(config, model.name)}": {
            "ModelPackageArn": f"arn:aws:sagemaker:{config.region}:{config.accounts.dev.account_id}:model-package/"
            f"{model_package_group_name(config, model.name).lower()}/1"
        }
        for account in ("staging", "prod")
        for model in config.models
    }


@pytest.fixture(scope="session")
def policy_index(synthesized: SynthesizedApp, platform_config: PlatformConfig) -> PolicyIndex:
    return PolicyIndex(Resolver(synthesized.templates, platform_config, endpoint_parameters(platform_config)))


@pytest.fixture(scope="session")
def rehearsal(policy_index: PolicyIndex, platform_config: PlatformConfig) -> dict[str, tuple[Request, dict[str, Any]]]:
    """Every intent's request and the evaluator's result, by intent id: one Node process in all."""
    intents: list[Intent] = access_intents(platform_config)
    requests = [request_for(policy_index, intent) for intent in intents]
    return {intent.id: pair for intent, pair in zip(intents, zip(requests, evaluate(requests), strict=True), strict=True)}
