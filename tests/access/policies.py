"""PolicyIndex: every IAM and resource policy of the synthesized app, by the ARN it applies to.

Built from resolved templates (``Resolver``): identity policies per role ARN
(``AWS::IAM::Policy`` and ``AWS::IAM::ManagedPolicy`` attached through ``Roles``,
inline ``Policies``, customer-managed ``ManagedPolicyArns``; AWS-managed ARNs are
listed in ``aws_managed``, never silently dropped), the trust policy per role, and
resource policies per resource ARN: S3 bucket policies (bucket and objects), KMS key
policies, SQS queue and SNS topic policies, EventBridge bus policies, model package
group policies (group and versions), Lambda permissions and Secrets Manager resource
policies. Also each resource's template tags and each key's aliases.
"""

import copy
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from tests.access.resolve import Resolver

Policy = dict[str, Any]


@dataclass
class RoleEntry:
    """A role of the app: where it is defined, who may assume it, and what it may do."""

    arn: str
    stack: str
    logical_id: str
    trust: Policy
    identity: list[tuple[str, Policy]] = field(default_factory=list)
    aws_managed: list[str] = field(default_factory=list)


@dataclass
class ResourceEntry:
    """A resource policy (``None`` when the resource has none) and the resource's owner account."""

    name: str
    account: str
    policy: Policy | None = None


class PolicyIndex:
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.roles: dict[str, RoleEntry] = {}
        self.resources: dict[str, ResourceEntry] = {}
        self.tags: dict[str, dict[str, str]] = {}
        self.aliases: dict[str, list[str]] = defaultdict(list)
        self._role_by_name: dict[tuple[str, str], str] = {}
        self._managed: dict[str, tuple[str, Policy]] = {}
        self._attachments: list[tuple[str, list[str], str, Policy]] = []
        for stack, template in resolver.templates.items():
            for logical_id, resource in template.get("Resources", {}).items():
                self._add(stack, logical_id, resource)
        self._attach()

    # Lookups --------------------------------------------------------------------------------

    def role(self, arn: str) -> RoleEntry:
        if arn not in self.roles:
            raise KeyError(f"no role {arn} in the synthesized templates (known: {sorted(self.roles)})")
        return self.roles[arn]

    def resource(self, arn: str) -> ResourceEntry | None:
        """The entry that governs ``arn``: the resource itself, or the bucket of an S3 object, or
        the model package group of a version."""
        if arn in self.resources:
            return self.resources[arn]
        if arn.startswith("arn:aws:s3:::") and "/" in arn:
            return self.resources.get(arn.split("/", 1)[0])
        if ":model-package/" in arn:
            group = arn.replace(":model-package/", ":model-package-group/").rsplit("/", 1)[0]
            return self.resources.get(group)
        return None

    def generated(self, stack: str, construct: str, attribute: str = "Arn") -> str:
        """``attribute`` (``Ref`` or an ``Fn::GetAtt`` name) of the one resource of ``stack`` whose
        logical id is ``construct`` followed by CDK's 8-character hash."""
        pattern = re.compile(rf"{re.escape(construct)}[0-9A-F]{{8}}")
        matches = [lid for lid in self.resolver.templates[stack].get("Resources", {}) if pattern.fullmatch(lid)]
        if len(matches) != 1:
            raise KeyError(f"{stack} has {len(matches)} resources for construct {construct}: {matches}")
        node = {"Ref": matches[0]} if attribute == "Ref" else {"Fn::GetAtt": [matches[0], attribute]}
        return self.resolver.resolve(stack, node, f"{stack}.{matches[0]}")

    def tags_of(self, arn: str) -> dict[str, str]:
        return self.tags.get(arn, {})

    # Building -------------------------------------------------------------------------------

    def _add(self, stack: str, logical_id: str, resource: dict[str, Any]) -> None:
        kind = resource["Type"]
        adder = _ADDERS.get(kind)
        if adder is None and "Tags" not in resource.get("Properties", {}):
            return
        properties = self.resolver.resolve(stack, resource.get("Properties", {}), f"{stack}.{logical_id}")
        if adder is not None:
            adder(self, stack, logical_id, properties)
        if "Tags" in properties and kind in _TAGGABLE_ARNS:
            arn = self.resolver.resolve(stack, {"Fn::GetAtt": [logical_id, "Arn"]}, f"{stack}.{logical_id}")
            self.tags[arn] = _tags(properties["Tags"])

    def _add_role(self, stack: str, logical_id: str, properties: dict[str, Any]) -> None:
        arn = self.resolver.resolve(stack, {"Fn::GetAtt": [logical_id, "Arn"]}, f"{stack}.{logical_id}")
        entry = RoleEntry(arn, stack, logical_id, properties["AssumeRolePolicyDocument"])
        for inline in properties.get("Policies", []):
            entry.identity.append((f"{logical_id}/{inline['PolicyName']}", inline["PolicyDocument"]))
        for managed in properties.get("ManagedPolicyArns", []):
            if managed.startswith("arn:aws:iam::aws:policy/"):
                entry.aws_managed.append(managed)
            else:
                self._attachments.append((stack, [], managed, {}))
                entry.identity.append((managed, {}))
        self.roles[arn] = entry
        self._role_by_name[(self.resolver.account(stack), arn.rsplit("/", 1)[1])] = arn

    def _add_policy(self, stack: str, logical_id: str, properties: dict[str, Any]) -> None:
        self._attachments.append((stack, properties.get("Roles", []), f"{logical_id}", properties["PolicyDocument"]))

    def _add_managed_policy(self, stack: str, logical_id: str, properties: dict[str, Any]) -> None:
        arn = self.resolver.resolve(stack, {"Ref": logical_id}, f"{stack}.{logical_id}")
        self._managed[arn] = (logical_id, properties["PolicyDocument"])
        self._attachments.append((stack, properties.get("Roles", []), logical_id, properties["PolicyDocument"]))

    def _attach(self) -> None:
        for stack, roles, name, document in self._attachments:
            account = self.resolver.account(stack)
            for role in roles:
                arn = self._role_by_name.get((account, role))
                if arn is not None:
                    self.roles[arn].identity.append((name, document))
        # Customer-managed ARNs named in a role's ManagedPolicyArns: swap the placeholder for the document.
        for entry in self.roles.values():
            resolved = []
            for name, document in entry.identity:
                if not document and name in self._managed:
                    logical_id, document = self._managed[name]
                    name = logical_id
                elif not document:
                    raise KeyError(f"{entry.arn}: managed policy {name} is not in the templates")
                resolved.append((name, document))
            # A managed policy both in ManagedPolicyArns and naming the role in Roles counts once.
            entry.identity = list({name: (name, document) for name, document in resolved}.values())

    def _set_resource(self, arn: str, stack: str, name: str, statements: list[Policy] | Policy) -> None:
        account = self.resolver.account(stack)
        entry = self.resources.setdefault(arn, ResourceEntry(name, account))
        added = statements["Statement"] if isinstance(statements, dict) else statements
        if entry.policy is None:
            entry.policy = {"Version": "2012-10-17", "Statement": []}
        entry.policy["Statement"].extend(copy.deepcopy(added if isinstance(added, list) else [added]))

    def _add_bucket(self, stack: str, logical_id: str, properties: dict[str, Any]) -> None:
        arn = self.resolver.resolve(stack, {"Fn::GetAtt": [logical_id, "Arn"]}, f"{stack}.{logical_id}")
        self.resources.setdefault(arn, ResourceEntry(f"{stack}.{logical_id}", self.resolver.account(stack)))

    def _add_bucket_policy(self, stack: str, logical_id: str, properties: dict[str, Any]) -> None:
        arn = f"arn:aws:s3:::{properties['Bucket']}"
        self._set_resource(arn, stack, f"{stack}.{logical_id}", properties["PolicyDocument"])

    def _add_key(self, stack: str, logical_id: str, properties: dict[str, Any]) -> None:
        arn = self.resolver.resolve(stack, {"Fn::GetAtt": [logical_id, "Arn"]}, f"{stack}.{logical_id}")
        self._set_resource(arn, stack, f"{stack}.{logical_id}", properties["KeyPolicy"])

    def _add_alias(self, stack: str, logical_id: str, properties: dict[str, Any]) -> None:
        target = properties["TargetKeyId"]
        key = target if target.startswith("arn:") else self._key_arn_by_id(stack, target)
        self.aliases[key].append(properties["AliasName"])

    def _key_arn_by_id(self, stack: str, key_id: str) -> str:
        return f"arn:aws:kms:{self.resolver.region}:{self.resolver.account(stack)}:key/{key_id}"

    def _add_queue_policy(self, stack: str, logical_id: str, properties: dict[str, Any]) -> None:
        for url in properties["Queues"]:
            _, _, _, account, name = url.split("/")
            arn = f"arn:aws:sqs:{self.resolver.region}:{account}:{name}"
            self._set_resource(arn, stack, f"{stack}.{logical_id}", properties["PolicyDocument"])

    def _add_topic_policy(self, stack: str, logical_id: str, properties: dict[str, Any]) -> None:
        for arn in properties["Topics"]:
            self._set_resource(arn, stack, f"{stack}.{logical_id}", properties["PolicyDocument"])

    def _add_bus_policy(self, stack: str, logical_id: str, properties: dict[str, Any]) -> None:
        bus = properties.get("EventBusName", "default")
        arn = f"arn:aws:events:{self.resolver.region}:{self.resolver.account(stack)}:event-bus/{bus}"
        if "Statement" in properties:
            statement = dict(properties["Statement"])
        else:
            statement = {"Effect": "Allow", "Action": properties["Action"], "Resource": arn,
                         "Principal": {"AWS": f"arn:aws:iam::{properties['Principal']}:root"}}
        statement.setdefault("Sid", properties.get("StatementId", logical_id))
        self._set_resource(arn, stack, f"{stack}.{logical_id}", [statement])

    def _add_model_package_group(self, stack: str, logical_id: str, properties: dict[str, Any]) -> None:
        arn = self.resolver.resolve(stack, {"Ref": logical_id}, f"{stack}.{logical_id}")
        self.resources.setdefault(arn, ResourceEntry(f"{stack}.{logical_id}", self.resolver.account(stack)))
        if "ModelPackageGroupPolicy" in properties:
            self._set_resource(arn, stack, f"{stack}.{logical_id}", properties["ModelPackageGroupPolicy"])
        if "Tags" in properties:
            self.tags[arn] = _tags(properties["Tags"])

    def _add_lambda_permission(self, stack: str, logical_id: str, properties: dict[str, Any]) -> None:
        function = properties["FunctionName"]
        principal = properties["Principal"]
        statement: Policy = {
            "Sid": logical_id, "Effect": "Allow", "Action": properties["Action"], "Resource": function,
            "Principal": {"Service": principal} if principal.endswith(".amazonaws.com") else {"AWS": principal},
        }
        conditions: dict[str, dict[str, str]] = {}
        if "SourceArn" in properties:
            conditions["ArnLike"] = {"aws:SourceArn": properties["SourceArn"]}
        if "SourceAccount" in properties:
            conditions["StringEquals"] = {"aws:SourceAccount": properties["SourceAccount"]}
        if conditions:
            statement["Condition"] = conditions
        self._set_resource(function, stack, f"{stack}.{logical_id}", [statement])

    def _add_secret_policy(self, stack: str, logical_id: str, properties: dict[str, Any]) -> None:
        self._set_resource(properties["SecretId"], stack, f"{stack}.{logical_id}", properties["ResourcePolicy"])


def _tags(tags: Any) -> dict[str, str]:
    if isinstance(tags, dict):
        return {str(key): str(value) for key, value in tags.items()}
    return {tag["Key"]: str(tag["Value"]) for tag in tags}


# Resource types whose template tags the index records, by ARN (for aws:ResourceTag/*).
_TAGGABLE_ARNS = {
    "AWS::S3::Bucket", "AWS::KMS::Key", "AWS::SQS::Queue", "AWS::SNS::Topic", "AWS::Lambda::Function",
    "AWS::DynamoDB::Table", "AWS::CodeBuild::Project", "AWS::CodePipeline::Pipeline", "AWS::IAM::Role",
    "AWS::SageMaker::Pipeline", "AWS::SageMaker::FeatureGroup", "AWS::SageMaker::Endpoint",
    "AWS::SecretsManager::Secret", "AWS::Events::Rule", "AWS::Logs::LogGroup",
}

_ADDERS = {
    "AWS::IAM::Role": PolicyIndex._add_role,
    "AWS::IAM::Policy": PolicyIndex._add_policy,
    "AWS::IAM::ManagedPolicy": PolicyIndex._add_managed_policy,
    "AWS::S3::Bucket": PolicyIndex._add_bucket,
    "AWS::S3::BucketPolicy": PolicyIndex._add_bucket_policy,
    "AWS::KMS::Key": PolicyIndex._add_key,
    "AWS::KMS::Alias": PolicyIndex._add_alias,
    "AWS::SQS::QueuePolicy": PolicyIndex._add_queue_policy,
    "AWS::SNS::TopicPolicy": PolicyIndex._add_topic_policy,
    "AWS::Events::EventBusPolicy": PolicyIndex._add_bus_policy,
    "AWS::SageMaker::ModelPackageGroup": PolicyIndex._add_model_package_group,
    "AWS::Lambda::Permission": PolicyIndex._add_lambda_permission,
    "AWS::SecretsManager::ResourcePolicy": PolicyIndex._add_secret_policy,
}
