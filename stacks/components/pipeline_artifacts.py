"""PipelineArtifacts (dev): where promotion pipelines keep their artifacts, readable by the serving deployers.

Creates a KMS key (rotated, alias ``promotion_artifact_key_alias``) and a
``SecureBucket`` encrypted with it (named ``promotion_artifact_bucket_name``,
access logs to ``access_log_bucket``). The bucket policy and key policy let the
``endpoint_deployer`` roles of staging and prod read and decrypt artifacts, and
nothing more: the principals are the serving accounts with an
``aws:PrincipalArn`` condition on the role, because a policy naming a role
that does not exist yet (serving accounts may deploy after dev) is rejected.

Exposes ``key``, ``bucket`` and ``store``: the same bucket and key as a
reference, for pipelines. Given the bucket itself, CodePipeline would add its
own cross-account grants, naming the deployer roles as principals; through the
reference those are dropped, and the statements above are the only ones.
``acknowledge_grants(construct)`` acknowledges the wildcards of the read/write
grants CodePipeline and CodeBuild give their own roles on the store.
"""

# What CDK's grantReadWrite on an encrypted bucket writes, as cdk-nag reports it.
_READ_WRITE_WILDCARDS = (
    "s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*", "s3:Abort*", "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
)

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.components.nag import acknowledge, as_nag_renders
from stacks.components.secure_bucket import SecureBucket
from platform_config import PlatformConfig
from stacks.cross_account import SERVING_ACCOUNTS, role_arn, serving_account_ids, serving_role_names
from platform_config.naming import promotion_artifact_bucket_name, promotion_artifact_key_alias


class PipelineArtifacts(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        access_log_bucket: s3.IBucket,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description="Promotion pipeline artifacts (readable by the staging and prod endpoint deployers)",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        self.key.add_alias(promotion_artifact_key_alias(config))
        self.bucket = SecureBucket(
            self,
            "Bucket",
            removal_policy=removal_policy,
            bucket_name=promotion_artifact_bucket_name(config),
            encryption_key=self.key,
            access_log_bucket=access_log_bucket,
            access_log_prefix="promotion-artifacts/",
        ).bucket
        deployers = [
            role_arn(config, account, serving_role_names(config).endpoint_deployer) for account in SERVING_ACCOUNTS
        ]
        readers = [iam.AccountPrincipal(account_id) for account_id in serving_account_ids(config)]
        only_deployers = {"ArnEquals": {"aws:PrincipalArn": deployers}}
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="ServingDeployersReadArtifacts",
                actions=["s3:GetObject", "s3:GetObjectVersion"],
                principals=readers,
                resources=[self.bucket.arn_for_objects("*")],
                conditions=only_deployers,
            )
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="ServingDeployersDecryptArtifacts",
                actions=["kms:Decrypt"],
                principals=readers,
                resources=["*"],
                conditions={**only_deployers, "StringEquals": {"kms:ViaService": f"s3.{config.region}.amazonaws.com"}},
            )
        )
        self.store = s3.Bucket.from_bucket_attributes(
            self,
            "Store",
            bucket_arn=self.bucket.bucket_arn,
            bucket_name=self.bucket.bucket_name,
            encryption_key=kms.Key.from_key_arn(self, "StoreKey", self.key.key_arn),
        )

    def acknowledge_grants(self, construct: Construct) -> None:
        """Acknowledge, on ``construct``, the wildcards of CDK's artifact grants to its role."""
        reason = (
            "CodePipeline's and CodeBuild's own grants on the pipeline artifact store: every execution writes "
            "and reads artifacts under generated keys, in a bucket (and key) that hold nothing else."
        )
        for action in _READ_WRITE_WILDCARDS:
            acknowledge(construct, f"AwsSolutions-IAM5[Action::{action}]", reason)
        objects = as_nag_renders(self, self.bucket.arn_for_objects("*"))
        acknowledge(construct, f"AwsSolutions-IAM5[Resource::{objects}]", reason)
