"""What the CI pipeline's artifact store and its key allow, beyond CDK's own grants.

The store (a ``SecureBucket``) and its key belong to ``BuildPipelineCi``, and hold only the
zips CodePipeline names per execution; the key also encrypts build outputs and the build log
group. ``let_logs_use_key`` lets CloudWatch Logs use the key for this stack's log groups
only; ``acknowledge_artifact_store_grants`` acknowledges the wildcard grants CDK gives the
pipeline and each build on the store and its key.
"""

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from stacks.components.nag import acknowledge, as_nag_renders
from platform_config.construct_ids import pascal


def let_logs_use_key(key: kms.IKey) -> None:
    """CloudWatch Logs encrypts the build log group with ``key``; only log groups of the key's
    stack (CloudFormation names them ``<stack name>-...``) may use it."""
    stack = Stack.of(key)
    region, account = stack.region, stack.account
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid=f"LogsEncrypt{pascal(stack.stack_name)}",
            principals=[iam.ServicePrincipal(f"logs.{region}.amazonaws.com")],
            actions=[
                "kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:DescribeKey",
            ],
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account}:log-group:{stack.stack_name}-*"
                }
            },
        )
    )


def acknowledge_artifact_store_grants(
    role: iam.IRole, artifact_store: s3.IBucket, extra_actions: tuple[str, ...] = ()
) -> None:
    """CodePipeline's artifact store grants (CDK's grants on the whole store and its key)."""
    reason = (
        "CDK's grant for CodePipeline's artifact store: source and build artifacts are zips that "
        "CodePipeline names per execution in the CI pipeline's own store, which holds nothing else."
    )
    granted = ("s3:GetObject*", "s3:GetBucket*", "s3:List*", "kms:GenerateDataKey*", "kms:ReEncrypt*")
    for action in (*granted, *extra_actions):
        acknowledge(role, f"AwsSolutions::AwsSolutions-IAM5[Action::{action}]", reason)
    objects = as_nag_renders(role, artifact_store.arn_for_objects("*"))
    acknowledge(role, f"AwsSolutions::AwsSolutions-IAM5[Resource::{objects}]", reason)
