"""One Stage per account; each decides which stacks its account gets."""

from aws_cdk import Environment, Stage
from constructs import Construct

from stacks.config import PlatformConfig
from stacks.data_stack import DataStack
from stacks.feature_store_stack import FeatureStoreStack
from stacks.network_stack import DEV_INTERFACE_SERVICES, SERVING_INTERFACE_SERVICES, NetworkStack


class DevStage(Stage):
    """The dev (and tooling) account: workbench, data, registry, build and promotion pipelines."""

    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig) -> None:
        account = config.accounts.dev
        super().__init__(scope, construct_id, env=Environment(account=account.account_id, region=config.region))
        common = {"termination_protection": account.termination_protection}
        self.network = NetworkStack(
            self, "Network", account=account, interface_services=DEV_INTERFACE_SERVICES, **common
        )
        self.data = DataStack(self, "Data", config=config, **common)
        self.feature_store = FeatureStoreStack(
            self,
            "FeatureStore",
            config=config,
            data_key=self.data.data_key,
            curated_bucket=self.data.curated_bucket,
            **common,
        )


class ServingStage(Stage):
    """Staging or prod: endpoints the promotion pipeline deploys, and their monitoring."""

    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig, account_name: str) -> None:
        account = getattr(config.accounts, account_name)
        super().__init__(scope, construct_id, env=Environment(account=account.account_id, region=config.region))
        common = {"termination_protection": account.termination_protection}
        self.network = NetworkStack(
            self, "Network", account=account, interface_services=SERVING_INTERFACE_SERVICES, **common
        )
