"""Guards over the whole synthesized app that no single stack's test sees.

- Resource policies (bucket, key, queue, topic, event bus, model package group,
  role trust, Lambda permission) grant only to AWS services and to the three
  configured accounts; a ``*`` principal is allowed only under a condition that
  pins the caller to those accounts. Deny statements (the ``aws:SecureTransport``
  deny on every bucket, the registry's approval guard) grant nothing and are
  not judged. Neither cdk-nag pack flags a public grant on a bucket that Block
  Public Access covers, and the deploy would only fail in the account.
- Termination protection follows each account's config (required for prod),
  read from the cloud assembly, where it lives, not from the templates.
- Serving monitoring jobs can read and decrypt the baselines in dev.
"""

import json
import re
from fnmatch import fnmatchcase
from typing import Any

import pytest
from aws_cdk.assertions import Template

from platform_config import PlatformConfig
from stacks.cross_account import monitoring_job_role_arns
from platform_config.naming import artifact_key_alias, dev_bucket_name
from stacks.platform_app import STAGE_IDS
from tests.synth import SynthesizedApp

# Resource type → the property holding its resource policy (a document or, for an
# event bus policy, the statement itself).
RESOURCE_POLICIES = {
    "AWS::S3::BucketPolicy": "PolicyDocument",
    "AWS::KMS::Key": "KeyPolicy",
    "AWS::SQS::QueuePolicy": "PolicyDocument",
    "AWS::SNS::TopicPolicy": "PolicyDocument",
    "AWS::SageMaker::ModelPackageGroup": "ModelPackageGroupPolicy",
    "AWS::Events::EventBusPolicy": "Statement",
    "AWS::Events::EventBus": "Policy",
    "AWS::IAM::Role": "AssumeRolePolicyDocument",
}
# Condition keys that name the calling account, and the operators that pin them to a value.
ACCOUNT_KEYS = {"aws:principalaccount", "aws:sourceaccount", "aws:sourceowner", "aws:principalarn"}
PINNING_OPERATORS = {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"}
ACCOUNT_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(policy: Any) -> list[dict[str, Any]]:
    if isinstance(policy, str):
        policy = json.loads(policy)
    return as_list(policy["Statement"]) if "Statement" in policy else [policy]


def account_ids(value: Any) -> set[str]:
    """Literal account ids in ``value``; references to the app's own resources carry none."""
    return set(ACCOUNT_ID.findall(json.dumps(value)))


def pins_to_accounts(condition: dict[str, Any], accounts: set[str]) -> bool:
    """Whether ``condition`` admits only callers of ``accounts`` (by account id or principal ARN)."""
    for operator, tests in condition.items():
        if operator not in PINNING_OPERATORS:
            continue
        for key, values in tests.items():
            named = [account_of(value) for value in as_list(values)]
            if key.lower() in ACCOUNT_KEYS and named and all(account in accounts for account in named):
                return True
    return False


def account_of(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return value.split(":")[4] if value.startswith("arn:") else value


def grant_problems(statement: dict[str, Any], accounts: set[str]) -> list[str]:
    """Why an Allow ``statement`` lets in someone outside ``accounts``; empty when it does not."""
    if statement.get("Effect") != "Allow":
        return []
    principal = statement.get("Principal", {})
    if not isinstance(principal, dict):
        principal = {"AWS": principal}
    problems = []
    for kind, value in principal.items():
        if kind == "Service":
            continue
        if kind != "AWS":
            problems.append(f"{kind} principal {value}")
            continue
        for member in as_list(value):
            foreign = account_ids(member) - accounts
            if foreign:
                problems.append(f"account(s) {sorted(foreign)} outside the configured ones")
            elif isinstance(member, str) and "*" in member and not pins_to_accounts(
                statement.get("Condition", {}), accounts
            ):
                problems.append(f"principal {member!r} without a condition pinning it to the configured accounts")
    return problems


def resource_grants(synthesized: SynthesizedApp) -> list[tuple[str, dict[str, Any]]]:
    """Every resource policy statement of the app, with where it is."""
    found = []
    for path, template in synthesized.templates.items():
        for logical_id, resource in template.get("Resources", {}).items():
            properties = resource.get("Properties", {})
            key = RESOURCE_POLICIES.get(resource["Type"])
            if key and key in properties:
                found += [(f"{path}/{logical_id}", statement) for statement in statements(properties[key])]
            if resource["Type"] == "AWS::Lambda::Permission":
                found.append((f"{path}/{logical_id}", {"Effect": "Allow", "Principal": properties["Principal"]}))
    return found


def configured_accounts(config: PlatformConfig) -> set[str]:
    return {account.account_id for _, account in config.accounts.items()}


def test_resource_policies_grant_only_to_services_and_the_configured_accounts(
    synthesized: SynthesizedApp, platform_config: PlatformConfig
) -> None:
    grants = resource_grants(synthesized)
    assert {where.split("/")[0] for where, _ in grants} == set(STAGE_IDS.values())
    accounts = configured_accounts(platform_config)
    offenders = {
        where: problems for where, statement in grants if (problems := grant_problems(statement, accounts))
    }
    assert offenders == {}


ACCOUNTS = {"111111111111", "222222222222", "333333333333"}


@pytest.mark.parametrize(
    ("statement", "granted_outside"),
    [
        ({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject"}, True),
        ({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}, True),
        ({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444444444444:root"}}, True),
        ({"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::222222222222:root", "444444444444"]}}, True),
        ({"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"}}, True),
        ({"Effect": "Allow", "Principal": {"AWS": "*"},
          "Condition": {"StringEquals": {"aws:PrincipalAccount": ["222222222222", "444444444444"]}}}, True),
        ({"Effect": "Allow", "Principal": {"AWS": "*"},
          "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "222222222222"}}}, True),
        ({"Effect": "Allow", "Principal": {"AWS": "*"},
          "Condition": {"StringEquals": {"aws:PrincipalAccount": ["222222222222", "333333333333"]}}}, False),
        ({"Effect": "Allow", "Principal": {"AWS": "*"},
          "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/mlops-*"}}}, False),
        ({"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}}, False),
        ({"Effect": "Allow", "Principal": {"AWS": {"Fn::GetAtt": ["Role1ABCD", "Arn"]}}}, False),
        ({"Effect": "Deny", "Principal": {"AWS": "*"}, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}, False),
    ],
)
def test_the_grant_check_flags_public_and_foreign_principals_only(statement, granted_outside: bool) -> None:
    assert bool(grant_problems(statement, ACCOUNTS)) is granted_outside


def test_every_stack_has_the_termination_protection_of_its_account(
    synthesized: SynthesizedApp, platform_config: PlatformConfig
) -> None:
    assert platform_config.accounts.prod.termination_protection
    for account_name, account in platform_config.accounts.items():
        manifest = json.loads((synthesized.outdir / f"assembly-{STAGE_IDS[account_name]}" / "manifest.json").read_text())
        stacks = {
            artifact["properties"]["stackName"]: artifact["properties"].get("terminationProtection", False)
            for artifact in manifest["artifacts"].values()
            if artifact["type"] == "aws:cloudformation:stack"
        }
        assert stacks, account_name
        assert stacks == dict.fromkeys(stacks, account.termination_protection), account_name


def allows(statement: dict[str, Any], action: str, account_id: str, role: str) -> bool:
    """Whether an Allow ``statement`` lets ``role`` of ``account_id`` perform ``action``."""
    if statement["Effect"] != "Allow" or not any(fnmatchcase(action, granted) for granted in as_list(statement["Action"])):
        return False
    principals = as_list(statement.get("Principal", {}).get("AWS", []))
    if f"arn:aws:iam::{account_id}:root" not in principals and role not in principals:
        return False
    for operator, tests in statement.get("Condition", {}).items():
        for key, values in tests.items():
            if key == "aws:PrincipalArn" and operator in ("ArnEquals", "ArnLike") and not any(
                fnmatchcase(role, value) for value in as_list(values)
            ):
                return False
    return True


def resource_of(template: Template, resource_type: str, **properties: Any) -> dict[str, Any]:
    [found] = template.find_resources(resource_type, {"Properties": properties}).values()
    return found["Properties"]


def test_serving_monitoring_jobs_may_read_and_decrypt_the_baselines_in_dev(
    synthesized: SynthesizedApp, platform_config: PlatformConfig
) -> None:
    data = synthesized.template("Dev/Data")
    alias = resource_of(data, "AWS::KMS::Alias", AliasName=artifact_key_alias(platform_config))
    key_policy = data.to_json()["Resources"][alias["TargetKeyId"]["Fn::GetAtt"][0]]["Properties"]["KeyPolicy"]
    [bucket_id] = data.find_resources(
        "AWS::S3::Bucket", {"Properties": {"BucketName": dev_bucket_name(platform_config, "artifacts")}}
    )
    bucket_policy = resource_of(data, "AWS::S3::BucketPolicy", Bucket={"Ref": bucket_id})["PolicyDocument"]
    for role in (role for model in platform_config.models for role in monitoring_job_role_arns(platform_config, model.name)):
        account_id = role.split(":")[4]
        assert any(allows(statement, "kms:Decrypt", account_id, role) for statement in statements(key_policy)), role
        assert any(allows(statement, "s3:GetObject", account_id, role) for statement in statements(bucket_policy)), role
