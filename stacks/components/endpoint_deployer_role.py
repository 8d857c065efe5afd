"""The endpoint deployer role (staging, prod): how dev's promotion pipeline deploys Endpoint stacks.

``endpoint_deployer_role`` creates, in ``scope``, the role ``name``, assumable only by
dev's promotion pipeline role (``pipeline_role_arn``; the dev account as principal held
to that role by ``aws:PrincipalArn``, so either side may be deployed first). It may
create, update and, when a deploy left one in a failed state, delete and recreate the
stacks named by the Endpoint stack convention, ``<platform>-*-endpoint``
(``endpoint_stack_name``), and no other stack; pass ``cloudformation_execution`` to
CloudFormation as their service role; read the SSM parameters Endpoint stacks resolve
(``setting_parameter_arns``); and read the pipeline's artifacts in dev (bucket by name,
key by alias). It names no model: a new model's Endpoint stack matches the convention.
"""

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from platform_config import PlatformConfig
from platform_config.naming import (
    ANY_MODEL,
    endpoint_stack_name,
    promotion_artifact_bucket_name,
    promotion_artifact_key_alias,
)
from stacks.components.role_statements import acknowledge_wildcards, allow, dev_key_pattern


def endpoint_deployer_role(
    scope: Construct,
    construct_id: str,
    *,
    config: PlatformConfig,
    name: str,
    pipeline_role_arn: str,
    cloudformation_execution: iam.IRole,
    setting_parameter_arns: list[str],
) -> iam.Role:
    stack = Stack.of(scope)
    role = iam.Role(
        scope,
        construct_id,
        role_name=name,
        description="Dev's promotion pipeline deploys the Endpoint stacks through this role",
        assumed_by=iam.AccountPrincipal(config.accounts.dev.account_id).with_conditions(
            {"ArnEquals": {"aws:PrincipalArn": pipeline_role_arn}}
        ),
    )
    endpoint_stacks = stack.format_arn(
        service="cloudformation", resource="stack", resource_name=f"{endpoint_stack_name(config, ANY_MODEL)}/*"
    )
    allow(
        role,
        "DeployEndpointStacks",
        [
            "cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:DescribeStacks",
            "cloudformation:DescribeStackEvents", "cloudformation:GetTemplate",
            "cloudformation:GetStackPolicy", "cloudformation:SetStackPolicy",
        ],
        [endpoint_stacks],
    )
    # The pipeline's REPLACE_ON_FAILURE deploy deletes an Endpoint stack that a failed deploy
    # left in ROLLBACK_COMPLETE (or another failed state), then creates it again.
    allow(role, "ReplaceFailedEndpointStacks", ["cloudformation:DeleteStack"], [endpoint_stacks])
    allow(role, "ValidateTemplates", ["cloudformation:ValidateTemplate"], ["*"])
    allow(
        role,
        "PassCloudFormationExecutionRole",
        ["iam:PassRole"],
        [cloudformation_execution.role_arn],
        {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}},
    )
    allow(role, "ReadEndpointSettings", ["ssm:GetParameters"], setting_parameter_arns)
    artifacts = f"arn:aws:s3:::{promotion_artifact_bucket_name(config)}"
    allow(role, "ReadPipelineArtifacts", ["s3:GetObject", "s3:GetObjectVersion"], [f"{artifacts}/*"])
    allow(
        role,
        "DecryptPipelineArtifacts",
        ["kms:Decrypt"],
        [dev_key_pattern(config)],
        {"ForAnyValue:StringEquals": {"kms:ResourceAliases": promotion_artifact_key_alias(config)}},
    )
    acknowledge_wildcards(
        role,
        {
            f"Resource::{endpoint_stacks}": (
                "Every model's Endpoint stack is named <platform>-<model>-endpoint, and a stack's ARN ends with "
                "an id CloudFormation generates at creation; the pattern admits the Endpoint stacks only."
            ),
            "Resource::*": "cloudformation:ValidateTemplate supports no resource-level permissions.",
            f"Resource::{artifacts}/*": (
                "Pipeline artifacts get generated keys per execution; the bucket holds nothing but the "
                "promotion pipelines' artifacts."
            ),
            f"Resource::{dev_key_pattern(config)}": (
                "Dev's promotion artifact key has a generated id in another account; the kms:ResourceAliases "
                "condition holds the statement to the key carrying the promotion artifact alias."
            ),
        },
    )
    return role
