"""NetworkStack: the account's VPC and the endpoints its workloads need."""

from aws_cdk import Stack
from constructs import Construct

from stacks.components.platform_network import PlatformNetwork
from stacks.account_settings import log_retention_of, removal_policy_of
from platform_config.accounts import AccountConfig

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
        account: AccountConfig,
        interface_services: tuple[str, ...],
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.network = PlatformNetwork(
            self,
            "Network",
            network=account.network,
            interface_services=interface_services,
            log_retention=log_retention_of(account),
            removal_policy=removal_policy_of(account),
        )
