"""One Stage per account; each decides which stacks its account gets."""

from aws_cdk import Environment, Stage
from constructs import Construct

from platform_config import PlatformConfig
from stacks.build_ci_stack import BuildCiStack
from stacks.data_stack import DataStack
from stacks.endpoint_stack import EndpointStack
from stacks.feature_ingestion_stack import FeatureIngestionStack
from stacks.feature_store_stack import FeatureStoreStack
from platform_config.construct_ids import endpoint_stack_id, model_monitoring_stack_id, model_stack_id
from stacks.model_monitoring_stack import ModelMonitoringStack
from stacks.model_stack import ModelStack
from stacks.monitoring_stack import MonitoringStack
from stacks.experiments_stack import ExperimentsStack
from stacks.network_stack import DEV_INTERFACE_SERVICES, EXPERIMENTS_SERVICE, SERVING_INTERFACE_SERVICES, NetworkStack
from stacks.promotion_stack import PromotionStack
from stacks.retraining_stack import RetrainingStack
from stacks.serving_foundation_stack import ServingFoundationStack
from stacks.studio_stack import StudioStack


class DevStage(Stage):
    """The dev (and tooling) account: shared stacks that name no model (network, data, feature
    store, feature ingestion, Studio, experiments (when tracked), build CI, promotion, retraining)
    and one ``ModelStack`` per model (registry group, build and promotion pipelines)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig) -> None:
        account = config.accounts.dev
        super().__init__(scope, construct_id, env=Environment(account=account.account_id, region=config.region))
        common = {"termination_protection": account.termination_protection}
        tracking = config.experiments.enabled
        self.network = NetworkStack(
            self,
            "Network",
            config=config,
            account_name="dev",
            interface_services=(*DEV_INTERFACE_SERVICES, *((EXPERIMENTS_SERVICE,) if tracking else ())),
            **common,
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
        self.feature_ingestion = FeatureIngestionStack(
            self,
            "FeatureIngestion",
            config=config,
            data_key=self.data.data_key,
            network=self.network.network,
            **common,
        )
        self.feature_ingestion.add_stack_dependency(self.feature_store, "writes records into its feature groups")
        self.studio = StudioStack(
            self,
            "Studio",
            config=config,
            network=self.network.network,
            data_key=self.data.data_key,
            artifact_key=self.data.artifact_key,
            offline_store_role=self.feature_store.offline_store_role,
            **common,
        )
        self.experiments = (
            ExperimentsStack(
                self,
                "Experiments",
                config=config,
                artifact_key=self.data.artifact_key,
                network=self.network.network,
                **common,
            )
            if tracking
            else None
        )
        self.retraining = RetrainingStack(self, "Retraining", config=config, **common)
        self.promotion = PromotionStack(
            self,
            "Promotion",
            config=config,
            access_log_bucket=self.data.access_log_bucket,
            artifact_key=self.data.artifact_key,
            **common,
        )
        if self.experiments is not None:
            self.experiments.add_stack_dependency(self.promotion, "its dead-letter alarm notifies the approvers' topic")
        self.build_ci = BuildCiStack(
            self,
            "BuildCi",
            config=config,
            artifact_key=self.data.artifact_key,
            access_log_bucket=self.data.access_log_bucket,
            network=self.network.network,
            **common,
        )
        # One stack per model: adding or removing a model adds or removes its stack only.
        self.models = {
            model.name: ModelStack(
                self,
                model_stack_id(model.name),
                config=config,
                model=model,
                approver_role_arn=self.studio.roles["model_approver"].role_arn,
                data_key=self.data.data_key,
                artifact_key=self.data.artifact_key,
                network=self.network.network,
                **common,
            )
            for model in config.models
        }
        for model_stack in self.models.values():
            model_stack.add_stack_dependency(self.promotion, "runs as the promotion role and invokes its functions by name")
            model_stack.add_stack_dependency(self.retraining, "its retraining parameter is read by the retrain trigger")


class ServingStage(Stage):
    """Staging or prod: endpoints the promotion pipeline deploys, and their monitoring.

    Shared by every model, and the same whatever the models: ``network``, ``foundation``
    (ServingFoundation) and ``monitoring`` (alarm forwarding). Per model: its Endpoint stack
    (``endpoints``) and its monitoring stack (``model_monitoring``), keyed by model name."""

    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig, account_name: str) -> None:
        account = getattr(config.accounts, account_name)
        super().__init__(scope, construct_id, env=Environment(account=account.account_id, region=config.region))
        common = {"termination_protection": account.termination_protection}
        self.network = NetworkStack(
            self, "Network", config=config, account_name=account_name, interface_services=SERVING_INTERFACE_SERVICES,
            **common,
        )
        self.foundation = ServingFoundationStack(
            self, "ServingFoundation", config=config, account_name=account_name, network=self.network.network, **common
        )
        self.monitoring = MonitoringStack(self, "Monitoring", config=config, **common)
        self.monitoring.add_stack_dependency(self.foundation, "reads the serving key's SSM parameter")
        # Deployed by dev's promotion pipeline, never by `cdk deploy`; listed here so their
        # templates are synthesized and checked with the rest of the account.
        self.endpoints = {
            model.name: EndpointStack(
                self, endpoint_stack_id(model.name), config=config, model=model, account_name=account_name, **common
            )
            for model in config.models
        }
        self.model_monitoring = {
            model.name: ModelMonitoringStack(
                self, model_monitoring_stack_id(model.name), config=config, model=model, account_name=account_name,
                **common,
            )
            for model in config.models
        }
        for name, endpoint in self.endpoints.items():
            endpoint.add_stack_dependency(self.foundation, "reads the SSM parameters and roles ServingFoundation makes")
            monitors = self.model_monitoring[name]
            monitors.add_stack_dependency(self.foundation, "reads the SSM parameters ServingFoundation creates")
            # Alarm names moved here from the shared Monitoring stack, which must release them first.
            monitors.add_stack_dependency(self.monitoring, "its alarms are forwarded by the shared alarm forwarding")
