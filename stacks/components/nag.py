"""Acknowledging cdk-nag v3 findings: one finding, one reason, on the construct that has it."""

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def acknowledge(construct: IConstruct, finding: str, reason: str) -> None:
    """Acknowledge exactly ``finding`` (a rule id, with its ``[...]`` detail when the
    rule reports one) on ``construct`` and its children, with a reason a reviewer can check."""
    if not reason.strip():
        raise ValueError(f"acknowledgement of {finding} needs a reason")
    Validations.of(construct).acknowledge(Acknowledgment(id=finding, reason=reason))
