"""ServingFoundationStack (staging, prod; stateful): what every endpoint of the account stands on.

- ``key``: the account's serving key (rotated): endpoint volumes, captured data,
  monitoring outputs, async answers and batch scores, the dead letters of the account's
  EventBridge rules (its policy lets EventBridge use it for this account's rules only) and
  the log groups of the model stacks' functions (CloudWatch Logs, for this account's log groups only);
- ``data_capture_bucket`` and ``monitoring_bucket`` (``SecureBucket``, SSE-KMS with
  ``key``), logging to ``access_log_bucket``;
- ``roles``: the fixed-name roles dev's promotion pipeline deploys and tests
  through (``ServingRoles``); the smoke tester exists in staging only, the
  shadow-verdict reader and endpoint autoscaling permissions in prod only;
- the SSM parameters Endpoint and Monitoring stacks read at deploy time
  (``EndpointSettingsPublisher``, ``publish_monitoring_bucket``).

Removal policy comes from the account config (RETAIN outside dev).
"""

from aws_cdk import Stack
from aws_cdk import aws_kms as kms
from constructs import Construct

from stacks.account_settings import removal_policy_of
from stacks.components.alarm_notifications import allow_events_to_use
from stacks.components.serving_roles import ServingRoles
from stacks.components.endpoint_settings import EndpointSettingsPublisher
from stacks.components.monitoring_settings import publish_monitoring_bucket
from stacks.components.platform_network import PlatformNetwork
from stacks.components.secure_bucket import SecureBucket
from stacks.components.log_encryption import allow_logs_to_encrypt_with
from platform_config import PlatformConfig

# Only staging runs the promotion pipeline's smoke test; only prod autoscales and runs shadow tests.
SMOKE_TESTED_ACCOUNT = "staging"
AUTOSCALED_ACCOUNT = "prod"
SHADOW_TESTED_ACCOUNT = "prod"


class ServingFoundationStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        account_name: str,
        network: PlatformNetwork,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        removal_policy = removal_policy_of(getattr(config.accounts, account_name))
        self.key = kms.Key(
            self,
            "Key",
            description="Endpoint volumes, captured data and monitoring outputs",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        # Monitoring's alarm forwarding dead-letters undeliverable alarms under this key.
        allow_events_to_use(self.key, rules_of_account=self.account)
        # Functions of the account's model stacks (batch scoring) encrypt their log groups with it.
        allow_logs_to_encrypt_with(self.key)
        self.access_log_bucket = SecureBucket(self, "AccessLogs", removal_policy=removal_policy).bucket
        self.data_capture_bucket = SecureBucket(
            self, "DataCapture", removal_policy=removal_policy, encryption_key=self.key,
            access_log_bucket=self.access_log_bucket, access_log_prefix="data-capture/",
        ).bucket
        self.monitoring_bucket = SecureBucket(
            self, "Monitoring", removal_policy=removal_policy, encryption_key=self.key,
            access_log_bucket=self.access_log_bucket, access_log_prefix="monitoring/",
        ).bucket
        publish_monitoring_bucket(self, config=config, bucket=self.monitoring_bucket)
        settings = EndpointSettingsPublisher(
            self, "EndpointSettings", config=config, network=network,
            data_capture_bucket=self.data_capture_bucket, key=self.key,
        )
        self.roles = ServingRoles(
            self,
            "Roles",
            config=config,
            key=self.key,
            data_capture_bucket=self.data_capture_bucket,
            subnet_ids=network.vpc.select_subnets(
                subnet_type=network.subnets.subnet_type, subnet_group_name=network.subnets.subnet_group_name
            ).subnet_ids,
            security_group_id=network.workload_security_group.security_group_id,
            setting_parameter_arns=settings.parameter_arns,
            autoscaling=account_name == AUTOSCALED_ACCOUNT,
            smoke_test=account_name == SMOKE_TESTED_ACCOUNT,
            shadow_verdict=account_name == SHADOW_TESTED_ACCOUNT,
        )
