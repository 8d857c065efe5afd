"""The permission a pipeline role needs to pull source through a CodeConnections connection."""

import jsii
from aws_cdk import Aspects, IAspect, Stack
from aws_cdk import aws_iam as iam
from constructs import IConstruct

LEGACY_ACTION = "codestar-connections:UseConnection"
CURRENT_ACTION = "codeconnections:UseConnection"


def allow_use_connection(role: iam.IRole, connection_arn: str | None) -> None:
    """Let ``role`` use ``connection_arn`` when it is a ``codeconnections`` ARN, with the
    action of that service: ``codeconnections:UseConnection``.

    CDK's ``CodeStarConnectionsSourceAction`` grants ``codestar-connections:UseConnection``
    whatever the ARN. AWS documents that the service prefix of an action must match the
    resource's, and connections created since July 2024 have ``codeconnections`` ARNs: that
    grant allows nothing, so its action is replaced in ``role``'s policies at synthesis.
    Nothing changes for a ``codestar-connections`` ARN or without a connection (CodeCommit).
    """
    if not connection_arn or connection_arn.split(":")[2] != "codeconnections":
        return
    Aspects.of(role).add(_UseTheConnectionsOwnPrefix(connection_arn))


@jsii.implements(IAspect)
class _UseTheConnectionsOwnPrefix:
    """Rewrites CDK's grant on the connection to ``codeconnections:UseConnection``. Aspects run
    once every grant has been made; only the action is overridden, so the rest of the policy
    (cross-stack references included) renders as CDK makes it."""

    def __init__(self, connection_arn: str) -> None:
        self._connection_arn = connection_arn

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, iam.CfnPolicy):
            return
        statements = Stack.of(node).resolve(node.policy_document)["Statement"]
        for index, statement in enumerate(statements):
            if statement.get("Action") == LEGACY_ACTION and statement.get("Resource") == self._connection_arn:
                node.add_property_override(f"PolicyDocument.Statement.{index}.Action", CURRENT_ACTION)
