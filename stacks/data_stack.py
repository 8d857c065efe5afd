"""DataStack (dev, stateful): the platform's keys and buckets.

- ``data_key`` encrypts raw and curated data and the Feature Store offline store.
- ``artifact_key`` encrypts ML artifacts; its policy (and the artifact bucket's)
  lets only the staging and prod model-execution roles read and decrypt them,
  which cross-account model deployment needs.
- ``access_log_bucket`` receives S3 server access logs of the other buckets.
- ``raw_bucket`` sends its object events to EventBridge: a file landing under a feature
  group's ``incoming/`` prefix starts that group's ingestion pipeline.

Buckets have names from ``platform_config/naming.py`` and the artifact key an alias, so
other stacks and accounts can name them in policies.

Removal policy comes from the account config (RETAIN outside dev).
"""

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from stacks.account_settings import removal_policy_of
from stacks.components.secure_bucket import SecureBucket
from platform_config import PlatformConfig
from stacks.cross_account import model_execution_role_arns, monitoring_job_role_arn_patterns, serving_account_ids
from platform_config.naming import artifact_key_alias, dev_bucket_name


class DataStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        removal_policy = removal_policy_of(config.accounts.dev)

        self.data_key = kms.Key(
            self,
            "DataKey",
            description="Raw and curated data, Feature Store offline store",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        self.artifact_key = kms.Key(
            self,
            "ArtifactKey",
            description="ML artifacts: models, reports, baselines (readable by staging and prod)",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        self.artifact_key.add_alias(artifact_key_alias(config))
        self.access_log_bucket = SecureBucket(
            self, "AccessLogs", removal_policy=removal_policy, bucket_name=dev_bucket_name(config, "access-logs")
        ).bucket
        self.raw_bucket = SecureBucket(
            self, "RawData", removal_policy=removal_policy, bucket_name=dev_bucket_name(config, "raw"),
            encryption_key=self.data_key,
            access_log_bucket=self.access_log_bucket, access_log_prefix="raw-data/",
        ).bucket
        # Set on the L1: the L2's event_bridge_enabled adds a custom-resource Lambda to do what
        # CloudFormation does natively.
        raw = self.raw_bucket.node.default_child
        raw.add_property_override("NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled", True)
        self.curated_bucket = SecureBucket(
            self, "CuratedData", removal_policy=removal_policy, bucket_name=dev_bucket_name(config, "curated"),
            encryption_key=self.data_key,
            access_log_bucket=self.access_log_bucket, access_log_prefix="curated-data/",
        ).bucket
        self.artifact_bucket = SecureBucket(
            self, "Artifacts", removal_policy=removal_policy, bucket_name=dev_bucket_name(config, "artifacts"),
            encryption_key=self.artifact_key,
            access_log_bucket=self.access_log_bucket, access_log_prefix="artifacts/",
        ).bucket
        self._share_artifacts_with_serving_accounts(config)

    def _share_artifacts_with_serving_accounts(self, config: PlatformConfig) -> None:
        # Account principals plus an aws:PrincipalArn condition: a policy naming a role
        # that does not exist yet (staging deploys after dev) would be rejected.
        readers = [iam.AccountPrincipal(account_id) for account_id in serving_account_ids(config)]
        only_model_execution_roles = {"ArnEquals": {"aws:PrincipalArn": model_execution_role_arns(config)}}
        self.artifact_bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="ServingAccountsReadModelArtifacts",
                actions=["s3:GetObject"],
                principals=readers,
                resources=[self.artifact_bucket.arn_for_objects("models/*")],
                conditions=only_model_execution_roles,
            )
        )
        self.artifact_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="ServingAccountsDecryptModelArtifacts",
                actions=["kms:Decrypt", "kms:DescribeKey"],
                principals=readers,
                resources=["*"],
                conditions={
                    **only_model_execution_roles,
                    "StringEquals": {"kms:ViaService": f"s3.{config.region}.amazonaws.com"},
                },
            )
        )
        # Their monitoring jobs read the baselines registered with each model version, nothing else.
        # Every model has its own job role; the naming convention names them all without listing models.
        only_monitoring_jobs = {"ArnLike": {"aws:PrincipalArn": monitoring_job_role_arn_patterns(config)}}
        self.artifact_bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="ServingMonitorsReadBaselines",
                actions=["s3:GetObject"],
                principals=readers,
                resources=[self.artifact_bucket.arn_for_objects("models/*")],
                conditions=only_monitoring_jobs,
            )
        )
        self.artifact_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="ServingMonitorsDecryptBaselines",
                actions=["kms:Decrypt"],
                principals=readers,
                resources=["*"],
                conditions={
                    **only_monitoring_jobs,
                    "StringEquals": {"kms:ViaService": f"s3.{config.region}.amazonaws.com"},
                },
            )
        )
