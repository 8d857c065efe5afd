"""What the serving roles' modules share: narrow statements, one acknowledgement per wildcard, ARNs.

``allow`` adds one statement with a ``sid`` to a role's policy; ``acknowledge_wildcards``
acknowledges each ``AwsSolutions-IAM5`` finding (``Resource::<arn>`` or ``Action::<action>``)
with its reason; ``sagemaker_arn`` spells a SageMaker ARN of the role's account as SageMaker
does (names in lower case); ``dev_key_pattern`` is any KMS key of dev, which statements hold to
one key by its alias (``kms:ResourceAliases``).
"""

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from platform_config import PlatformConfig
from stacks.components.nag import acknowledge_all


def allow(role: iam.Role, sid: str, actions: list[str], resources: list[str], conditions: dict | None = None) -> None:
    role.add_to_principal_policy(iam.PolicyStatement(sid=sid, actions=actions, resources=resources, conditions=conditions))


def acknowledge_wildcards(role: iam.Role, wildcards: dict[str, str]) -> None:
    acknowledge_all(role, {f"AwsSolutions-IAM5[{finding}]": reason for finding, reason in wildcards.items()})


def sagemaker_arn(scope: IConstruct, resource: str, name: str) -> str:
    # SageMaker ARNs carry resource names in lower case.
    return Stack.of(scope).format_arn(service="sagemaker", resource=resource, resource_name=name.lower())


def dev_key_pattern(config: PlatformConfig) -> str:
    return f"arn:aws:kms:{config.region}:{config.accounts.dev.account_id}:key/*"
