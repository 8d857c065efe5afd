"""FeatureStoreStack (dev, stateful): the feature groups declared in the config, and where their
offline stores are queried.

- ``feature_groups``: one ``FeatureGroup`` per spec. Offline stores live under ``feature-store/``
  of the curated data bucket, encrypted with the data key, as Iceberg tables named
  ``offline_store_table_name`` in the Glue database ``database`` (``offline_store_database_name``);
  Feature Store writes them and their tables as ``offline_store_role``, scoped to that prefix
  and those tables.
- ``workgroup``: the Athena workgroup every offline-store query runs in (``athena_workgroup_name``):
  Athena engine 3 (Iceberg), results under ``athena-results/`` of the curated bucket encrypted
  with the data key (SSE-KMS), enforced whatever a client asks for.

Shared by every model: a model's build pipeline role grants itself the reads it needs by these
names, so adding a model changes nothing here.
"""

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_athena as athena
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.account_settings import removal_policy_of
from stacks.components.nag import acknowledge
from stacks.components.feature_group import FeatureGroup
from platform_config import PlatformConfig
from platform_config.naming import (
    ATHENA_RESULTS_PREFIX,
    athena_workgroup_name,
    dev_bucket_name,
    offline_store_database_name,
    offline_store_table_name,
)

OFFLINE_STORE_PREFIX = "feature-store"
ATHENA_ENGINE = "Athena engine version 3"


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
        removal_policy = removal_policy_of(config.accounts.dev)
        database_name = offline_store_database_name(config)
        self.database = glue.CfnDatabase(
            self,
            "OfflineStoreDatabase",
            catalog_id=self.account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=database_name, description="Offline stores of the platform's feature groups (Iceberg)"
            ),
        )
        self.database.apply_removal_policy(removal_policy)
        self.offline_store_role.add_to_policy(
            iam.PolicyStatement(
                actions=["glue:GetTable", "glue:CreateTable", "glue:UpdateTable", "glue:GetDatabase"],
                resources=[
                    self.format_arn(service="glue", resource="catalog"),
                    self.format_arn(service="glue", resource="database", resource_name=database_name),
                    *(
                        self.format_arn(
                            service="glue", resource="table",
                            resource_name=f"{database_name}/{offline_store_table_name(spec.name)}",
                        )
                        for spec in config.feature_groups
                    ),
                ],
            )
        )
        acknowledge(
            self.offline_store_role,
            f"AwsSolutions::AwsSolutions-IAM5[Resource::{offline_store_objects}]",
            "Feature Store writes one object per record batch under the offline-store prefix; "
            "the role is limited to that prefix of the curated bucket.",
        )
        self.feature_groups = {
            spec.name: FeatureGroup(
                self,
                _construct_id(spec.name),
                spec=spec,
                key=data_key,
                offline_store_uri=curated_bucket.s3_url_for_object(OFFLINE_STORE_PREFIX),
                catalog_table=(database_name, offline_store_table_name(spec.name)),
                role=self.offline_store_role,
                removal_policy=removal_policy,
            )
            for spec in config.feature_groups
        }
        for group in self.feature_groups.values():
            group.node.add_dependency(self.database)
        self.workgroup = self._workgroup(config, data_key, removal_policy)

    def _workgroup(self, config: PlatformConfig, data_key: kms.IKey, removal_policy: RemovalPolicy) -> athena.CfnWorkGroup:
        workgroup = athena.CfnWorkGroup(
            self,
            "AthenaWorkGroup",
            name=athena_workgroup_name(config),
            description="Queries of the feature groups' offline stores (point-in-time snapshots, exploration)",
            recursive_delete_option=removal_policy == RemovalPolicy.DESTROY,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                engine_version=athena.CfnWorkGroup.EngineVersionProperty(selected_engine_version=ATHENA_ENGINE),
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{dev_bucket_name(config, 'curated')}/{ATHENA_RESULTS_PREFIX}/",
                    expected_bucket_owner=self.account,
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_KMS", kms_key=data_key.key_arn
                    ),
                ),
            ),
        )
        workgroup.apply_removal_policy(removal_policy)
        return workgroup


def _construct_id(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))
