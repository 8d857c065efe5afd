"""The Studio stack and a model stack of a dev account configured to retain its data.

The default config destroys dev's resources with their stacks; what changes when
an installation retains them is checked on this smaller build (the dev stacks
these two need, without the nag packs), built once per session.
"""

from functools import cache

from aws_cdk import App, Environment, Stage
from aws_cdk.assertions import Template

from platform_config import load_config
from stacks.data_stack import DataStack
from stacks.feature_store_stack import FeatureStoreStack
from stacks.network_stack import DEV_INTERFACE_SERVICES, NetworkStack
from stacks.platform_app import availability_zone_context
from stacks.model_stack import ModelStack
from stacks.studio_stack import StudioStack
from tests.synth import DEFAULT_CONFIG_PATH, cdk_json_context


@cache
def retained_dev_templates() -> dict[str, Template]:
    """``{"Studio": ..., "Model": ...}`` (its first model's stack) for the default config with ``accounts.dev.removal_policy = "retain"``."""
    config = load_config(DEFAULT_CONFIG_PATH)
    dev = config.accounts.dev.model_copy(update={"removal_policy": "retain"})
    config = config.model_copy(update={"accounts": config.accounts.model_copy(update={"dev": dev})})
    app = App(context={**cdk_json_context(), **availability_zone_context(config)})
    stage = Stage(app, "Dev", env=Environment(account=dev.account_id, region=config.region))
    network = NetworkStack(stage, "Network", config=config, account_name="dev", interface_services=DEV_INTERFACE_SERVICES)
    data = DataStack(stage, "Data", config=config)
    feature_store = FeatureStoreStack(
        stage, "FeatureStore", config=config, data_key=data.data_key, curated_bucket=data.curated_bucket
    )
    studio = StudioStack(
        stage,
        "Studio",
        config=config,
        network=network.network,
        data_key=data.data_key,
        artifact_key=data.artifact_key,
        offline_store_role=feature_store.offline_store_role,
    )
    model = ModelStack(
        stage,
        "Model",
        config=config,
        model=config.models[0],
        approver_role_arn=studio.roles["model_approver"].role_arn,
        data_key=data.data_key,
        artifact_key=data.artifact_key,
        network=network.network,
    )
    return {"Studio": Template.from_stack(studio), "Model": Template.from_stack(model)}
