"""The network-interface permissions of a SageMaker role whose models or jobs run in the platform VPC.

SageMaker creates a model's or job's network interfaces with its execution role.
``allow_workload_network_interfaces`` adds to ``role``:

- ``CreateWorkloadNetworkInterfaces``: ``ec2:CreateNetworkInterface`` for new
  interfaces of the role's account and region, only in ``subnet_ids`` and only
  with ``security_group_ids`` (the action authorizes the interface, its subnet and
  each security group);
- ``ManageWorkloadNetworkInterfaces``: ``ec2:CreateNetworkInterfacePermission``
  and ``ec2:DeleteNetworkInterface`` on interfaces in ``subnet_ids`` only
  (``ec2:Subnet`` condition);
- ``DescribeNetworking``: the ``Describe*`` calls SageMaker makes (plus
  ``describe_actions``) and ``ec2:DeleteNetworkInterfacePermission``, which
  names a permission id rather than an interface, on ``*``.

The role's default policy skips checkov's CKV_AWS_109 for that last statement, with
the reason. Returns the acknowledgement the role then needs (cdk-nag finding detail → reason)
for the new-interface pattern; ``Resource::*`` stays the caller's to explain.
"""

from aws_cdk import CfnResource, Stack
from aws_cdk import aws_iam as iam

from stacks.components.checkov import DELETE_INTERFACE_PERMISSION_REASON, skip_checkov

DESCRIBE_ACTIONS = (
    "ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs", "ec2:DescribeDhcpOptions", "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
)


def allow_workload_network_interfaces(
    role: iam.Role,
    *,
    subnet_ids: list[str],
    security_group_ids: list[str],
    describe_actions: tuple[str, ...] = (),
) -> dict[str, str]:
    if not subnet_ids or not security_group_ids:
        raise ValueError("subnet_ids and security_group_ids: a workload in a VPC needs at least one of each")
    stack = Stack.of(role)

    def ec2_arn(resource: str, name: str) -> str:
        return stack.format_arn(service="ec2", resource=resource, resource_name=name)

    new_interfaces = ec2_arn("network-interface", "*")
    subnets = [ec2_arn("subnet", subnet_id) for subnet_id in subnet_ids]
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="CreateWorkloadNetworkInterfaces",
            actions=["ec2:CreateNetworkInterface"],
            resources=[
                new_interfaces, *subnets,
                *(ec2_arn("security-group", group_id) for group_id in security_group_ids),
            ],
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="ManageWorkloadNetworkInterfaces",
            actions=["ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface"],
            resources=[new_interfaces],
            conditions={"ArnEquals": {"ec2:Subnet": subnets}},
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="DescribeNetworking",
            actions=[*DESCRIBE_ACTIONS, *describe_actions, "ec2:DeleteNetworkInterfacePermission"],
            resources=["*"],
        )
    )
    default_policy = role.node.find_child("DefaultPolicy").node.default_child
    if not isinstance(default_policy, CfnResource):
        raise TypeError(f"{role.node.path}: its DefaultPolicy has no CloudFormation resource to annotate")
    skip_checkov(default_policy, "CKV_AWS_109", DELETE_INTERFACE_PERMISSION_REASON)
    return {
        f"Resource::{new_interfaces}": (
            "A network interface's id is generated when SageMaker creates it; creation is held to the workload "
            "subnets and security group, and other changes to interfaces in those subnets (ec2:Subnet)."
        )
    }
