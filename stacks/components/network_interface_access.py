"""The network-interface permissions of a SageMaker role whose models or jobs run in the platform VPC.

SageMaker creates a model's or job's network interfaces with its execution role.
``workload_network_interface_statements`` spells, as policy JSON, for the role's
``account_id`` and ``region``:

- ``CreateWorkloadNetworkInterfaces``: ``ec2:CreateNetworkInterface`` for new
  interfaces of that account and region, only in ``subnet_ids`` and only
  with ``security_group_ids`` (the action authorizes the interface, its subnet and
  each security group);
- ``ManageWorkloadNetworkInterfaces``: ``ec2:CreateNetworkInterfacePermission``
  and ``ec2:DeleteNetworkInterface`` on interfaces in ``subnet_ids`` only
  (``ec2:Subnet`` condition);
- ``DescribeNetworking``: the ``Describe*`` calls SageMaker makes (plus
  ``describe_actions``) and ``ec2:DeleteNetworkInterfacePermission``, which
  names a permission id rather than an interface, on ``*``.

It returns the statements and the acknowledgement the role then needs (cdk-nag finding
detail → reason) for the new-interface pattern; ``Resource::*`` stays the caller's to
explain, and so does checkov's CKV_AWS_109 on the policy holding the last statement
(``DELETE_INTERFACE_PERMISSION_REASON``). ARNs are spelled in Python: a role repeated per
model would pay a call across the jsii bridge per ``format_arn``.

``allow_workload_network_interfaces`` adds them to ``role``'s default policy, which it
marks with that checkov skip, and returns the acknowledgement.
"""

from typing import Any

from aws_cdk import CfnResource, Stack
from aws_cdk import aws_iam as iam

from stacks.components.checkov import DELETE_INTERFACE_PERMISSION_REASON, skip_checkov

DESCRIBE_ACTIONS = (
    "ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs", "ec2:DescribeDhcpOptions", "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
)


def workload_network_interface_statements(
    *,
    account_id: str,
    region: str,
    subnet_ids: list[str],
    security_group_ids: list[str],
    describe_actions: tuple[str, ...] = (),
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    if not subnet_ids or not security_group_ids:
        raise ValueError("subnet_ids and security_group_ids: a workload in a VPC needs at least one of each")
    prefix = f"arn:aws:ec2:{region}:{account_id}"
    new_interfaces = f"{prefix}:network-interface/*"
    subnets = [f"{prefix}:subnet/{subnet_id}" for subnet_id in subnet_ids]
    groups = [f"{prefix}:security-group/{group_id}" for group_id in security_group_ids]
    statements = [
        {
            "Sid": "CreateWorkloadNetworkInterfaces",
            "Effect": "Allow",
            "Action": ["ec2:CreateNetworkInterface"],
            "Resource": [new_interfaces, *subnets, *groups],
        },
        {
            "Sid": "ManageWorkloadNetworkInterfaces",
            "Effect": "Allow",
            "Action": ["ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface"],
            "Resource": [new_interfaces],
            "Condition": {"ArnEquals": {"ec2:Subnet": subnets}},
        },
        {
            "Sid": "DescribeNetworking",
            "Effect": "Allow",
            "Action": [*DESCRIBE_ACTIONS, *describe_actions, "ec2:DeleteNetworkInterfacePermission"],
            "Resource": ["*"],
        },
    ]
    acknowledgement = {
        f"Resource::{new_interfaces}": (
            "A network interface's id is generated when SageMaker creates it; creation is held to the workload "
            "subnets and security group, and other changes to interfaces in those subnets (ec2:Subnet)."
        )
    }
    return statements, acknowledgement


def allow_workload_network_interfaces(
    role: iam.Role,
    *,
    subnet_ids: list[str],
    security_group_ids: list[str],
    describe_actions: tuple[str, ...] = (),
) -> dict[str, str]:
    stack = Stack.of(role)
    statements, acknowledgement = workload_network_interface_statements(
        account_id=stack.account,
        region=stack.region,
        subnet_ids=subnet_ids,
        security_group_ids=security_group_ids,
        describe_actions=describe_actions,
    )
    for statement in statements:
        role.add_to_principal_policy(iam.PolicyStatement.from_json(statement))
    default_policy = role.node.find_child("DefaultPolicy").node.default_child
    if not isinstance(default_policy, CfnResource):
        raise TypeError(f"{role.node.path}: its DefaultPolicy has no CloudFormation resource to annotate")
    skip_checkov(default_policy, "CKV_AWS_109", DELETE_INTERFACE_PERMISSION_REASON)
    return acknowledgement
