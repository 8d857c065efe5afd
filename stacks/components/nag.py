"""Acknowledging cdk-nag v3 findings: one finding, one reason, on the construct that has it."""

from collections.abc import Mapping
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct

# The packs platform_app attaches; an acknowledgement names the pack its finding comes from.
NAG_PACKS = ("AwsSolutions", "NIST.800.53.R5")


def acknowledge(construct: IConstruct, finding: str, reason: str) -> None:
    """Acknowledge exactly ``finding`` (a rule id, with its ``[...]`` detail when the
    rule reports one) on ``construct`` and its children, with a reason a reviewer can check.

    The id is always qualified with its pack (``AwsSolutions::AwsSolutions-IAM5[...]``): CDK
    then suppresses the finding and lists it, with this reason, under ``suppressedViolations``
    in ``validation-report.json``. An unqualified id is honoured by cdk-nag itself, silently,
    so the report would not show what was acknowledged, nor could a test tell an
    acknowledgement that matches nothing."""
    acknowledge_all(construct, {finding: reason})


def acknowledge_all(construct: IConstruct, findings: Mapping[str, str]) -> None:
    """``acknowledge`` each finding of ``findings`` (finding → reason) on ``construct``, in one
    call across the jsii bridge: with a model's stacks repeated per model, calls add up."""
    for finding, reason in findings.items():
        if not reason.strip():
            raise ValueError(f"acknowledgement of {finding} needs a reason")
    Validations.of(construct).acknowledge(
        *(Acknowledgment(id=qualified_finding(finding), reason=reason) for finding, reason in findings.items())
    )


def qualified_finding(finding: str) -> str:
    """``finding`` with its pack's namespace, as CDK's validation report names it."""
    for pack in NAG_PACKS:
        if finding.startswith(f"{pack}::{pack}-"):
            return finding
        if finding.startswith(f"{pack}-"):
            return f"{pack}::{finding}"
    raise ValueError(f"{finding}: not a finding of the packs {NAG_PACKS}")


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
