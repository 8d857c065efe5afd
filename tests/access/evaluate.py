"""Turns access intents into requests for the IAM evaluator and runs them in one Node process.

``request_for`` builds the evaluator's input for one intent: the principal's identity
policies (none for a service principal), the resource policy that governs the resource
(the target role's trust policy for ``sts:AssumeRole``), the owner account, and the
automatic request context: ``aws:PrincipalArn``, ``aws:PrincipalAccount``,
``aws:SecureTransport``, ``aws:SourceAccount``/``aws:SourceArn`` for service
principals, ``kms:ResourceAliases`` from the key's aliases and ``aws:ResourceTag/*``
from the resource's template tags. ``evaluate`` runs a batch through
``simulate.mjs`` (``@cloud-copilot/iam-simulate``) and returns one result per request.
"""

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.access.intents import Generated, Intent
from tests.access.policies import PolicyIndex

SIMULATOR = Path(__file__).with_name("simulate.mjs")
NODE = Path(sys.executable).parent / "node"
DECISIONS = {"Allowed": "Allow", "ImplicitlyDenied": "Deny", "ExplicitlyDenied": "Deny"}


@dataclass
class Request:
    """One evaluator input, with the names of the policies it carries (for failure messages)."""

    simulation: dict[str, Any]
    policies: list[str]


# What an account administrator outside the templates holds: only resource and trust policies can stop it.
ALLOW_EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def resolve_reference(index: PolicyIndex, value: Any) -> Any:
    if isinstance(value, list):
        return [resolve_reference(index, item) for item in value]
    return value.resolve(index) if isinstance(value, Generated) else value


def request_for(index: PolicyIndex, intent: Intent) -> Request:
    principal = resolve_reference(index, intent.principal)
    resource = resolve_reference(index, intent.resource)
    service = principal.endswith(".amazonaws.com")
    context: dict[str, Any] = {"aws:SecureTransport": "true"}
    identity: list[dict[str, Any]] = []
    policies: list[str] = []
    if service:
        context["aws:PrincipalServiceName"] = principal
        if intent.source_account:
            context["aws:SourceAccount"] = intent.source_account
        if intent.source_arn:
            context["aws:SourceArn"] = resolve_reference(index, intent.source_arn)
    elif intent.outsider:
        identity = [{"name": "outsider-allow-everything", "policy": ALLOW_EVERYTHING}]
        policies.append("identity outsider-allow-everything")
        context["aws:PrincipalArn"] = principal
        context["aws:PrincipalAccount"] = _account_of(principal)
    else:
        role = index.role(principal)
        if role.aws_managed:
            policies.append(f"AWS-managed, not evaluated: {role.aws_managed}")
        identity = [{"name": name, "policy": document} for name, document in role.identity]
        policies += [f"identity {name}" for name, _ in role.identity]
        context["aws:PrincipalArn"] = principal
        context["aws:PrincipalAccount"] = _account_of(principal)
    if intent.action == "sts:AssumeRole":
        target = index.role(resource)
        resource_policy, owner = target.trust, _account_of(resource)
        policies.append(f"trust policy of {resource}")
    else:
        entry = index.resource(resource)
        resource_policy = entry.policy if entry else None
        # Actions without resource-level permissions are requested on "*" in the caller's account.
        owner = entry.account if entry else _account_of(principal if resource == "*" else resource)
        if intent.aws_owned or intent.identity_only:
            # AWS's own resources (SageMaker's image registries) have policies AWS keeps; an
            # identity-only check asks what the principal's own policies allow.
            resource_policy, owner = None, _account_of(principal)
        elif entry and entry.policy:
            policies.append(f"resource policy {entry.name}")
    aliases = index.aliases.get(resource)
    if aliases:
        context["kms:ResourceAliases"] = aliases
    for key, value in index.tags_of(resource).items():
        context[f"aws:ResourceTag/{key}"] = value
    context.update({key: resolve_reference(index, value) for key, value in intent.context.items()})
    simulation: dict[str, Any] = {
        "request": {
            "principal": principal,
            "action": intent.action,
            "resource": {"resource": resource, "accountId": owner},
            "contextVariables": context,
        },
        "identityPolicies": identity,
        "serviceControlPolicies": [],
        "resourceControlPolicies": [],
    }
    if resource_policy is not None:
        simulation["resourcePolicy"] = resource_policy
    return Request(simulation, policies)


def evaluate(requests: list[Request]) -> list[dict[str, Any]]:
    """The evaluator's result for each request, in order (one Node process for the batch)."""
    completed = subprocess.run(
        [str(NODE), str(SIMULATOR)],
        input=json.dumps([request.simulation for request in requests]),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{SIMULATOR.name} failed ({completed.returncode}): {completed.stderr}")
    results = json.loads(completed.stdout)
    if len(results) != len(requests):
        raise RuntimeError(f"{SIMULATOR.name} returned {len(results)} results for {len(requests)} requests")
    return results


def decision(result: dict[str, Any]) -> str:
    """``Allow`` or ``Deny``; an evaluator error (invalid policy, unknown action) is never a Deny."""
    if result["resultType"] == "error":
        raise AssertionError(f"the evaluator refused the request: {json.dumps(result['errors'])}")
    return DECISIONS[result["overallResult"]]


def _account_of(arn: str) -> str:
    account = arn.split(":")[4]
    if not account:
        raise ValueError(f"{arn} names no account and is not a resource of the templates")
    return account
