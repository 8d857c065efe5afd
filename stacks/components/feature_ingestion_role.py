"""FeatureIngestionRole: the role one feature group's ingestion pipeline and its job run as.

Trusted by SageMaker only. One role per feature group, so a group's job can write no other
group's records. The role may:

- list and read ``incoming`` of the group in the raw bucket (``feature_group_raw_prefix``), and
  write (never read back or delete) its ``quarantine``;
- read the job's code (``code_asset``) and the group's pseudonymization key (``secret``);
- use the data key (raw data, job volumes and outputs; the secret is encrypted with it);
- ``PutRecord`` into the group and describe it;
- create, describe and stop the processing jobs its pipeline starts (``pipelines-*``), and
  pass itself to SageMaker for them;
- pull the job's image (``image_repository``), write the jobs' logs and metrics, and place
  the job's network interfaces in ``network``'s subnets with its security group.

No statement has a wildcard action; every wildcard resource is acknowledged (cdk-nag
AwsSolutions-IAM5) with its reason. Exposes ``role``.
"""

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from platform_config.naming import feature_group_raw_prefix
from stacks.components.nag import acknowledge_all, as_nag_renders
from stacks.components.sagemaker_pipeline_role import (
    JOB_LOG_GROUPS,
    JOB_NAME_PREFIX,
    NETWORK_DESCRIBE_ACTIONS,
    JobNetwork,
)
from stacks.components.statement_batch import StatementBatch

PROCESSING_LOG_GROUP = JOB_LOG_GROUPS[0]


class FeatureIngestionRole(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        feature_group: str,
        raw_bucket: s3.IBucket,
        data_key: kms.IKey,
        code_asset: s3_assets.Asset,
        secret: secretsmanager.ISecret,
        image_repository_arn: str,
        network: JobNetwork,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description=f"Ingestion pipeline of the feature group {feature_group} and its jobs",
        )
        incoming = feature_group_raw_prefix(feature_group, "incoming")
        quarantine = feature_group_raw_prefix(feature_group, "quarantine")
        statements = StatementBatch()
        reasons: dict[str, str] = {}

        def allow(sid: str, actions: list[str], resources: list[str], conditions: dict | None = None,
                  wildcard_reason: str | None = None) -> None:
            statements.allow(sid, actions, resources, conditions)
            if wildcard_reason:
                for resource in (resource for resource in resources if "*" in resource):
                    reasons[f"AwsSolutions::AwsSolutions-IAM5[Resource::{as_nag_renders(self, resource)}]"] = wildcard_reason

        def arn(service: str, resource: str, name: str) -> str:
            return stack.format_arn(service=service, resource=resource, resource_name=name)

        allow("ReadIncoming", ["s3:GetObject"], [raw_bucket.arn_for_objects(f"{incoming}*")],
              wildcard_reason="Data engineers name the files they land under the group's incoming/ prefix; "
              "reads are held to that prefix.")
        allow("ListIncoming", ["s3:ListBucket"], [raw_bucket.bucket_arn], {"StringLike": {"s3:prefix": [f"{incoming}*"]}})
        allow("WriteQuarantine", ["s3:PutObject", "s3:AbortMultipartUpload"],
              [raw_bucket.arn_for_objects(f"{quarantine}*")],
              wildcard_reason="Each run writes its rejected rows under the group's quarantine/ prefix, per "
              "execution; no reads or deletes.")
        allow("ReadJobCode", ["s3:GetObject"], [code_asset.bucket.arn_for_objects(code_asset.s3_object_key)])
        # Processing inputs of type S3Prefix list their prefix before downloading it.
        allow("ListJobCode", ["s3:ListBucket"], [code_asset.bucket.bucket_arn],
              {"StringEquals": {"s3:prefix": code_asset.s3_object_key}})
        allow("ReadPiiKey", ["secretsmanager:GetSecretValue"], [secret.secret_arn])
        allow("UseDataKey", ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"], [data_key.key_arn])
        allow("UseDataKeyForJobVolumes", ["kms:CreateGrant"], [data_key.key_arn],
              {"Bool": {"kms:GrantIsForAWSResource": "true"}})
        group = arn("sagemaker", "feature-group", feature_group.lower())
        allow("WriteRecords", ["sagemaker:PutRecord", "sagemaker:DescribeFeatureGroup"], [group])
        jobs = arn("sagemaker", "processing-job", f"{JOB_NAME_PREFIX}*")
        allow("RunIngestionJobs",
              ["sagemaker:CreateProcessingJob", "sagemaker:DescribeProcessingJob", "sagemaker:StopProcessingJob",
               "sagemaker:AddTags"],
              [jobs],
              wildcard_reason="SageMaker names each job a pipeline starts after the execution and step; the "
              "prefix limits the role to jobs that pipelines start.")
        allow("PassItselfToSageMaker", ["iam:PassRole"], [self.role.role_arn],
              {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}})
        allow("ReadImageRegistryToken", ["ecr:GetAuthorizationToken"], ["*"])
        allow("PullJobImage", ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
              [image_repository_arn])
        self._allow_network(allow, arn, network)
        allow("WriteJobLogs",
              ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
              [stack.format_arn(service="logs", resource="log-group", resource_name=f"{PROCESSING_LOG_GROUP}:*",
                                arn_format=ArnFormat.COLON_RESOURCE_NAME)],
              wildcard_reason="SageMaker writes one log stream per processing job instance into this log group.")
        allow("PutJobMetrics", ["cloudwatch:PutMetricData"], ["*"],
              {"StringEquals": {"cloudwatch:namespace": PROCESSING_LOG_GROUP}})
        statements.attach(self.role)
        reasons["AwsSolutions::AwsSolutions-IAM5[Resource::*]"] = (
            "Only ecr:GetAuthorizationToken, cloudwatch:PutMetricData and the EC2 Describe calls SageMaker makes "
            "for VPC jobs, which support no resource-level permissions; the metrics are limited to SageMaker's "
            "processing job namespace by condition."
        )
        acknowledge_all(self.role, reasons)

    @staticmethod
    def _allow_network(allow, arn, network: JobNetwork) -> None:
        interfaces = arn("ec2", "network-interface", "*")
        reason = (
            "SageMaker names each job's network interface when it creates it; the role creates them only in the "
            "platform subnets with the workload security group, and manages only interfaces of the platform VPC."
        )
        allow("CreateJobNetworkInterfaces", ["ec2:CreateNetworkInterface"],
              [interfaces, arn("ec2", "security-group", network.security_group_id)]
              + [arn("ec2", "subnet", subnet) for subnet in network.subnet_ids],
              wildcard_reason=reason)
        allow("ManageJobNetworkInterfaces",
              ["ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
               "ec2:DeleteNetworkInterfacePermission"],
              [interfaces],
              {"StringEquals": {"ec2:Vpc": arn("ec2", "vpc", network.vpc_id)}},
              wildcard_reason=reason)
        allow("DescribeJobNetwork", list(NETWORK_DESCRIBE_ACTIONS), ["*"])
