"""Acknowledging a checkov finding on the CloudFormation resource that has it.

checkov (run by ``make scan``) reads ``Metadata.checkov.skip`` from each resource:
one entry per check, with the reason as its comment. Like cdk-nag acknowledgements,
each one names a single check and says why the finding is accepted.
"""

from aws_cdk import CfnResource

# IAM's "permissions management" access level includes ec2:DeleteNetworkInterfacePermission, whose
# network-interface resource is optional, so SageMaker's call naming only the permission id is
# authorized against "*". cloudsplaining (CKV_AWS_109) flags that resource whatever the conditions.
DELETE_INTERFACE_PERMISSION_REASON = (
    "ec2:DeleteNetworkInterfacePermission names a permission id and its network-interface resource is "
    "optional, so it is granted on *; SageMaker uses it to remove the permission it gave itself on a job's or "
    "model's interface. Every other network-interface write is held to the workload subnets."
)


def skip_checkov(resource: CfnResource, check_id: str, reason: str) -> None:
    """Acknowledge ``check_id`` on ``resource`` with ``reason``."""
    if not reason.strip():
        raise ValueError(f"skipping {check_id} needs a reason")
    metadata = resource.get_metadata("checkov") or {}
    skips = [skip for skip in metadata.get("skip", []) if skip["id"] != check_id]
    resource.add_metadata("checkov", {**metadata, "skip": [*skips, {"id": check_id, "comment": reason}]})
