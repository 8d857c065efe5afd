"""The smoke tester role (staging): how dev's smoke-test function reaches the endpoints.

``smoke_tester_role`` creates, in ``scope``, the role ``name``, assumable only by dev's
smoke-test function role (``function_role_arn``, held by ``aws:PrincipalArn``), which may
invoke the platform's endpoints, named by the convention ``<platform>-*``
(``endpoint_name``), and nothing else.
"""

from aws_cdk import aws_iam as iam
from constructs import Construct

from platform_config import PlatformConfig
from platform_config.naming import ANY_MODEL, endpoint_name
from stacks.components.role_statements import acknowledge_wildcards, allow, sagemaker_arn


def smoke_tester_role(
    scope: Construct, construct_id: str, *, config: PlatformConfig, name: str, function_role_arn: str
) -> iam.Role:
    role = iam.Role(
        scope,
        construct_id,
        role_name=name,
        description="Dev's smoke-test function invokes the endpoints through this role",
        assumed_by=iam.AccountPrincipal(config.accounts.dev.account_id).with_conditions(
            {"ArnEquals": {"aws:PrincipalArn": function_role_arn}}
        ),
    )
    endpoints = sagemaker_arn(role, "endpoint", endpoint_name(config, ANY_MODEL))
    allow(role, "InvokeModelEndpoints", ["sagemaker:InvokeEndpoint"], [endpoints])
    acknowledge_wildcards(
        role,
        {
            f"Resource::{endpoints}": (
                "Every model's endpoint is named <platform>-<model>; the pattern admits the platform's endpoints "
                "and no other, so a new model needs no change here."
            )
        },
    )
    return role
