"""StatementBatch: a role's own statements, gathered, then attached as one policy built from JSON.

For the roles repeated per model (the build pipeline's, the monitoring job's): adding a
statement to a role's policy costs two calls across the jsii bridge each, a document read
from JSON one for all of them. ``attach`` creates ``Statements`` (an ``AWS::IAM::Policy``)
under the role, so acknowledgements on the role cover it; grants made elsewhere still go
to the role's ``DefaultPolicy``.
"""

from typing import Any

from aws_cdk import aws_iam as iam


class StatementBatch:
    def __init__(self) -> None:
        self._statements: list[dict[str, Any]] = []

    def allow(self, sid: str, actions: list[str], resources: list[str], conditions: dict | None = None) -> None:
        statement = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
        self._statements.append({**statement, "Condition": conditions} if conditions else statement)

    def extend(self, statements: list[dict[str, Any]]) -> None:
        """Adds statements already spelled as policy JSON (``Sid``, ``Effect``, ``Action``, ...)."""
        self._statements.extend(statements)

    def attach(self, role: iam.Role) -> iam.Policy:
        return iam.Policy(
            role,
            "Statements",
            document=iam.PolicyDocument.from_json({"Version": "2012-10-17", "Statement": self._statements}),
            roles=[role],
        )
