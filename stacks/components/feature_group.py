"""FeatureGroup: a SageMaker Feature Store feature group from a declarative spec.

Creates an ``AWS::SageMaker::FeatureGroup`` whose features, record identifier and
event time come from a ``FeatureGroupSpec``; the online store (when enabled) is
encrypted with ``key`` and expires records after ``ttl_days``; the offline store
(when enabled) writes an Iceberg table under ``offline_store_uri`` encrypted with
``key``, which Feature Store creates, with ``role``, as ``catalog_table`` (database, table) of
the account's Glue Data Catalog: a name the snapshot query and people know in advance.

The feature group name is the spec's name: people and notebooks refer to it.
The store configs are passed as PascalCase dicts: they are untyped JSON in the
L1, and ``*Property`` objects there serialize camelCase keys that CloudFormation rejects.
"""

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from platform_config.features import FeatureGroupSpec

# The account's Glue Data Catalog, as Athena names it.
GLUE_DATA_CATALOG = "AwsDataCatalog"


class FeatureGroup(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: FeatureGroupSpec,
        key: kms.IKey,
        offline_store_uri: str,
        catalog_table: tuple[str, str],
        role: iam.IRole,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        online_store = None
        if spec.online_store:
            online_store = {"EnableOnlineStore": True, "SecurityConfig": {"KmsKeyId": key.key_arn}}
            if spec.ttl_days is not None:
                online_store["TtlDuration"] = {"Unit": "Days", "Value": spec.ttl_days}
        offline_store = None
        if spec.offline_store:
            offline_store = {
                "S3StorageConfig": {"S3Uri": offline_store_uri, "KmsKeyId": key.key_arn},
                "TableFormat": "Iceberg",
                "DisableGlueTableCreation": False,
                "DataCatalogConfig": {
                    "Catalog": GLUE_DATA_CATALOG,
                    "Database": catalog_table[0],
                    "TableName": catalog_table[1],
                },
            }
        self.feature_group = sagemaker.CfnFeatureGroup(
            self,
            "Resource",
            feature_group_name=spec.name,
            description=spec.description or None,
            record_identifier_feature_name=spec.record_identifier,
            event_time_feature_name=spec.event_time,
            feature_definitions=[
                sagemaker.CfnFeatureGroup.FeatureDefinitionProperty(feature_name=feature.name, feature_type=feature.type)
                for feature in spec.features
            ],
            online_store_config=online_store,
            offline_store_config=offline_store,
            role_arn=role.role_arn if spec.offline_store else None,
        )
        self.feature_group.apply_removal_policy(removal_policy)
        self.feature_group.node.add_dependency(role)
