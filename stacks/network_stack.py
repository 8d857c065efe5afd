"""NetworkStack: the account's VPC and the endpoints its workloads need, and the account's
budget (``AccountBudget``, when the config gives it one): the one stack every account has and
deploys first, so the budget watches the account before anything else costs money."""

from aws_cdk import Stack
from constructs import Construct

from stacks.components.account_budget import AccountBudget
from stacks.components.platform_network import PlatformNetwork
from stacks.account_settings import log_retention_of, removal_policy_of
from platform_config import PlatformConfig
from platform_config.naming import PLATFORM_TAG_KEY, budget_name

# Studio in VPC-only mode and SageMaker jobs reach AWS only through these (and S3's gateway
# endpoint); the build's Preprocess step and the ingestion jobs read their pseudonymization key
# from Secrets Manager, ingestion writes records through the Feature Store runtime, and Studio and
# the build's snapshot query the offline store through Athena (and Glue, which notebooks browse).
DEV_INTERFACE_SERVICES = (
    "sagemaker.api", "sagemaker.runtime", "sagemaker.featurestore-runtime", "sts", "logs",
    "ecr.api", "ecr.dkr", "kms", "monitoring", "ssm", "servicecatalog", "secretsmanager", "athena", "glue",
)
# The MLflow tracking server's PrivateLink service (aws.sagemaker.<region>.experiments), which
# Studio and the experiment logger reach it through; only when the config tracks experiments.
EXPERIMENTS_SERVICE = "sagemaker.experiments"
# Endpoints and monitoring jobs in staging and prod.
SERVING_INTERFACE_SERVICES = ("sagemaker.api", "sagemaker.runtime", "sts", "logs", "kms", "monitoring")


class NetworkStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        account_name: str,
        interface_services: tuple[str, ...],
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        account = getattr(config.accounts, account_name)
        self.network = PlatformNetwork(
            self,
            "Network",
            network=account.network,
            interface_services=interface_services,
            log_retention=log_retention_of(account),
            removal_policy=removal_policy_of(account),
        )
        if account.monthly_budget_usd is not None:
            AccountBudget(
                self,
                "Budget",
                budget_name=budget_name(config),
                limit_usd=account.monthly_budget_usd,
                alert_emails=config.budget_alert_emails,
                tag_key=PLATFORM_TAG_KEY,
                tag_value=config.name,
            )
