"""FeatureStoreStack (dev, stateful): the feature groups declared in the config.

Offline stores live under ``feature-store/`` of the curated data bucket,
encrypted with the data key; Feature Store writes them and their Glue tables
with one offline-store role scoped to that prefix and the ``sagemaker_featurestore``
Glue database.
"""

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.account_settings import removal_policy_of
from stacks.components.nag import acknowledge
from stacks.components.feature_group import FeatureGroup
from platform_config import PlatformConfig
from platform_config.naming import dev_bucket_name

OFFLINE_STORE_PREFIX = "feature-store"
GLUE_DATABASE = "sagemaker_featurestore"


class FeatureStoreStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        data_key: kms.IKey,
        curated_bucket: s3.IBucket,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.offline_store_role = iam.Role(
            self,
            "OfflineStoreRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description="Feature Store writes offline-store files and their Glue tables",
        )
        offline_store_objects = f"arn:aws:s3:::{dev_bucket_name(config, 'curated')}/{OFFLINE_STORE_PREFIX}/*"
        # Feature Store sets the bucket-owner-full-control ACL on what it writes (AWS's managed
        # AmazonSageMakerFeatureStoreAccess policy grants PutObjectAcl for that reason).
        self.offline_store_role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:PutObjectAcl", "s3:GetObject"], resources=[offline_store_objects]
            )
        )
        self.offline_store_role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetBucketAcl", "s3:GetBucketLocation"], resources=[curated_bucket.bucket_arn]
            )
        )
        self.offline_store_role.add_to_policy(
            iam.PolicyStatement(actions=["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], resources=[data_key.key_arn])
        )
        self.offline_store_role.add_to_policy(
            iam.PolicyStatement(
                actions=["glue:GetTable", "glue:CreateTable", "glue:UpdateTable", "glue:GetDatabase"],
                resources=[
                    self.format_arn(service="glue", resource="catalog"),
                    self.format_arn(service="glue", resource="database", resource_name=GLUE_DATABASE),
                    self.format_arn(service="glue", resource="table", resource_name=f"{GLUE_DATABASE}/*"),
                ],
            )
        )
        acknowledge(
            self.offline_store_role,
            f"AwsSolutions::AwsSolutions-IAM5[Resource::{offline_store_objects}]",
            "Feature Store writes one object per record batch under the offline-store prefix; "
            "the role is limited to that prefix of the curated bucket.",
        )
        acknowledge(
            self.offline_store_role,
            f"AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:glue:{self.region}:{self.account}:table/{GLUE_DATABASE}/*]",
            "Feature Store names each group's Glue table itself; the role is limited to the "
            "sagemaker_featurestore database it writes them to.",
        )
        self.feature_groups = {
            spec.name: FeatureGroup(
                self,
                _construct_id(spec.name),
                spec=spec,
                key=data_key,
                offline_store_uri=curated_bucket.s3_url_for_object(OFFLINE_STORE_PREFIX),
                role=self.offline_store_role,
                removal_policy=removal_policy_of(config.accounts.dev),
            )
            for spec in config.feature_groups
        }


def _construct_id(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))
