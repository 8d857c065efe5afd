"""The values of a pipeline definition that only the deployment knows."""

from dataclasses import dataclass


@dataclass(frozen=True)
class DeployValues:
    """The pipeline's execution role, the artifact bucket, the KMS key of volumes, outputs
    and model artifacts, the S3 URI of the step code archive (a zip), and the network every
    job runs in: the platform VPC's workload security group and subnets."""

    role_arn: str
    artifact_bucket: str
    kms_key_arn: str
    code_s3_uri: str
    security_group_id: str
    subnet_ids: tuple[str, ...]


# CloudFormation Fn::Sub variables: the CDK stack fills them in at deploy time. ``${SubnetIds}``
# stands for the whole list: its value is the ids joined by '", "' inside the list's quotes.
PLACEHOLDERS = DeployValues(
    "${PipelineRoleArn}", "${ArtifactBucket}", "${KmsKeyArn}", "${CodeS3Uri}", "${SecurityGroupId}", ("${SubnetIds}",)
)
SUBNET_IDS_SEPARATOR = '", "'


def stand_ins(region: str) -> DeployValues:
    """Values the SDK accepts (an IAM role ARN, an s3:// URI...) and that no real definition
    contains, so the renderer can find and replace them in the rendered text."""
    return DeployValues(
        role_arn="arn:aws:iam::000000000000:role/render-stand-in-role",
        artifact_bucket="render-stand-in-bucket",
        kms_key_arn=f"arn:aws:kms:{region}:000000000000:key/render-stand-in-key",
        code_s3_uri="s3://render-stand-in-code/render-stand-in-code.zip",
        security_group_id="sg-render-stand-in",
        subnet_ids=("subnet-render-stand-in",),
    )
