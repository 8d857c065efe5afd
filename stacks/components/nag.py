"""Acknowledging cdk-nag v3 findings: one finding, one reason, on the construct that has it."""

from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct


def acknowledge(construct: IConstruct, finding: str, reason: str) -> None:
    """Acknowledge exactly ``finding`` (a rule id, with its ``[...]`` detail when the
    rule reports one) on ``construct`` and its children, with a reason a reviewer can check."""
    if not reason.strip():
        raise ValueError(f"acknowledgement of {finding} needs a reason")
    Validations.of(construct).acknowledge(Acknowledgment(id=finding, reason=reason))


def as_nag_renders(scope: IConstruct, value: str) -> str:
    """``value`` (which may hold tokens) as cdk-nag prints it inside a finding id: references
    become ``<LogicalId>`` and ``<LogicalId.Attribute>``, joins are flattened. Lets an
    acknowledgement name a wildcard ARN that contains, say, a domain id."""
    return _flatten(Stack.of(scope).resolve(value))


def _flatten(node: Any) -> str:
    # Mirrors cdk-nag's flattenCfnReference (lib/utils/flatten-cfn-reference.js).
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if "Fn::Join" in node:
        delimiter, items = node["Fn::Join"]
        return delimiter.join(_flatten(item) for item in items)
    if "Fn::GetAtt" in node:
        resource, attribute = node["Fn::GetAtt"]
        return f"<{_flatten(resource)}.{_flatten(attribute)}>"
    if "Ref" in node:
        return f"<{_flatten(node['Ref'])}>"
    raise ValueError(f"cdk-nag's rendering of {node!r} is not mirrored here")
