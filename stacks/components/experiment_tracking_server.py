"""ExperimentTrackingServer (dev): the platform's managed MLflow tracking server.

Creates an ``AWS::SageMaker::MlflowTrackingServer`` named ``name``, of the config's
``mlflow_version`` and ``tracking_server_size``, patched in ``weekly_maintenance_window_start``,
without automatic registration into the Model Registry (versions are registered by the build
pipeline, behind its gates). Run artifacts go to ``s3://<artifact bucket>/<prefix>`` (the
platform's encrypted ML artifact bucket).

Its own role, assumed by SageMaker for this account's tracking servers only, reads, writes and
lists that prefix alone and uses the artifact key through S3: no other key of the bucket.

Exposes ``server`` (the L1), ``role`` and ``tracking_server_arn``.
"""

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from platform_config.platform import Experiments
from stacks.components.nag import acknowledge, as_nag_renders


class ExperimentTrackingServer(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        settings: Experiments,
        artifact_bucket: s3.IBucket,
        artifact_key: kms.IKey,
        prefix: str,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.tracking_server_arn = stack.format_arn(service="sagemaker", resource="mlflow-tracking-server", resource_name=name)
        self.role = iam.Role(
            self,
            "Role",
            description="The MLflow tracking server: its run artifacts in the ML artifact bucket, nothing else",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com").with_conditions({
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnLike": {"aws:SourceArn": stack.format_arn(
                    service="sagemaker", resource="mlflow-tracking-server", resource_name="*")},
            }),
        )
        objects = artifact_bucket.arn_for_objects(f"{prefix}*")
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources=[objects])
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket", "s3:GetBucketLocation"],
                resources=[artifact_bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}},
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[artifact_key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}},
            )
        )
        acknowledge(
            self.role,
            f"AwsSolutions-IAM5[Resource::{as_nag_renders(self, objects)}]",
            f"The tracking server names each run's artifact keys itself; its access is held to the {prefix} prefix.",
        )
        self.server = sagemaker.CfnMlflowTrackingServer(
            self,
            "Server",
            tracking_server_name=name,
            artifact_store_uri=f"s3://{artifact_bucket.bucket_name}/{prefix.rstrip('/')}",
            role_arn=self.role.role_arn,
            mlflow_version=settings.mlflow_version,
            tracking_server_size=settings.tracking_server_size,
            weekly_maintenance_window_start=settings.weekly_maintenance_window_start,
            automatic_model_registration=False,
        )
        self.server.node.add_dependency(self.role)
