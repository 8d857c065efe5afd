"""Resolves CloudFormation intrinsics in synthesized templates to the strings a deploy would see.

The templates are keyed ``Stage/Stack`` (``Dev/Data``); each stage deploys to one
account of the config. ``Resolver.resolve(stack, node)`` replaces ``Ref``,
``Fn::GetAtt``, ``Fn::Join``, ``Fn::Sub`` (both forms), ``Fn::Select``,
``Fn::Split``, ``Fn::GetAZs``, ``Fn::ImportValue``, ``Fn::GetStackOutput`` and the
pseudo parameters. A resource's physical name comes from its name property when the
template sets one, otherwise from a deterministic placeholder; SSM-typed parameters
take the value of the ``AWS::SSM::Parameter`` of that name in the same account.
Anything it does not know raises ``UnresolvableError`` naming the path: a wrong ARN
would make the rehearsal prove nothing.
"""

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from platform_config import PlatformConfig
from platform_config.naming import endpoint_stack_name
from stacks.platform_app import STAGE_IDS

NO_VALUE = object()


class UnresolvableError(ValueError):
    """An intrinsic or resource attribute the resolver does not model, with where it was met."""


@dataclass(frozen=True)
class _NameRule:
    """How a resource type's physical name and ARN are formed: ``name`` is the property
    that sets the name, ``arn`` a format over ``{partition} {region} {account} {name}``,
    ``ref`` what ``Ref`` returns (``name``, ``arn`` or ``url``)."""

    name: str | None
    arn: str | None
    ref: str = "name"


_REGIONAL = "arn:aws:{service}:{region}:{account}:"
_RULES: dict[str, _NameRule] = {
    "AWS::IAM::Role": _NameRule("RoleName", "arn:aws:iam::{account}:role/{path}{name}"),
    "AWS::IAM::ManagedPolicy": _NameRule("ManagedPolicyName", "arn:aws:iam::{account}:policy/{path}{name}", "arn"),
    "AWS::IAM::Policy": _NameRule("PolicyName", None),
    "AWS::S3::Bucket": _NameRule("BucketName", "arn:aws:s3:::{name}"),
    "AWS::KMS::Key": _NameRule(None, _REGIONAL.format(service="kms", region="{region}", account="{account}") + "key/{name}"),
    "AWS::SQS::Queue": _NameRule("QueueName", _REGIONAL.format(service="sqs", region="{region}", account="{account}") + "{name}", "url"),
    "AWS::SNS::Topic": _NameRule("TopicName", _REGIONAL.format(service="sns", region="{region}", account="{account}") + "{name}", "arn"),
    "AWS::Lambda::Function": _NameRule("FunctionName", _REGIONAL.format(service="lambda", region="{region}", account="{account}") + "function:{name}"),
    "AWS::DynamoDB::Table": _NameRule("TableName", _REGIONAL.format(service="dynamodb", region="{region}", account="{account}") + "table/{name}"),
    "AWS::Events::EventBus": _NameRule("Name", _REGIONAL.format(service="events", region="{region}", account="{account}") + "event-bus/{name}"),
    "AWS::Events::Rule": _NameRule("Name", _REGIONAL.format(service="events", region="{region}", account="{account}") + "rule/{name}"),
    "AWS::CodeBuild::Project": _NameRule("Name", _REGIONAL.format(service="codebuild", region="{region}", account="{account}") + "project/{name}"),
    "AWS::CodePipeline::Pipeline": _NameRule("Name", _REGIONAL.format(service="codepipeline", region="{region}", account="{account}") + "{name}"),
    "AWS::Logs::LogGroup": _NameRule("LogGroupName", _REGIONAL.format(service="logs", region="{region}", account="{account}") + "log-group:{name}:*"),
    "AWS::CloudWatch::Alarm": _NameRule("AlarmName", _REGIONAL.format(service="cloudwatch", region="{region}", account="{account}") + "alarm:{name}"),
    "AWS::SecretsManager::Secret": _NameRule("Name", _REGIONAL.format(service="secretsmanager", region="{region}", account="{account}") + "secret:{name}-AbCdEf", "arn"),
    "AWS::SSM::Parameter": _NameRule("Name", None),
    "AWS::SageMaker::ModelPackageGroup": _NameRule("ModelPackageGroupName", _REGIONAL.format(service="sagemaker", region="{region}", account="{account}") + "model-package-group/{lname}", "arn"),
    "AWS::SageMaker::Pipeline": _NameRule("PipelineName", _REGIONAL.format(service="sagemaker", region="{region}", account="{account}") + "pipeline/{lname}"),
    "AWS::SageMaker::FeatureGroup": _NameRule("FeatureGroupName", _REGIONAL.format(service="sagemaker", region="{region}", account="{account}") + "feature-group/{lname}"),
    "AWS::SageMaker::Model": _NameRule("ModelName", _REGIONAL.format(service="sagemaker", region="{region}", account="{account}") + "model/{lname}"),
    "AWS::SageMaker::EndpointConfig": _NameRule("EndpointConfigName", _REGIONAL.format(service="sagemaker", region="{region}", account="{account}") + "endpoint-config/{lname}"),
    "AWS::SageMaker::Endpoint": _NameRule("EndpointName", _REGIONAL.format(service="sagemaker", region="{region}", account="{account}") + "endpoint/{lname}"),
    "AWS::SageMaker::Domain": _NameRule(None, _REGIONAL.format(service="sagemaker", region="{region}", account="{account}") + "domain/{name}"),
}
# Resources whose Ref is an id CloudFormation generates (placeholders are fine: policies only carry them).
_ID_PREFIXES = {
    "AWS::EC2::VPC": "vpc", "AWS::EC2::Subnet": "subnet", "AWS::EC2::SecurityGroup": "sg",
    "AWS::EC2::RouteTable": "rtb", "AWS::ApplicationAutoScaling::ScalableTarget": "target",
}
# Attributes that are not the ARN but another spelling of the name or id.
_NAME_ATTRIBUTES = {
    ("AWS::SQS::Queue", "QueueName"), ("AWS::SQS::Queue", "QueueUrl"), ("AWS::SNS::Topic", "TopicArn"),
    ("AWS::SNS::Topic", "TopicName"), ("AWS::SageMaker::Domain", "DomainId"), ("AWS::SageMaker::Domain", "DomainArn"),
    ("AWS::SageMaker::Model", "ModelName"), ("AWS::SageMaker::EndpointConfig", "EndpointConfigName"),
    ("AWS::SageMaker::ModelPackageGroup", "ModelPackageGroupArn"), ("AWS::KMS::Key", "KeyId"),
    ("AWS::EC2::SecurityGroup", "GroupId"), ("AWS::IAM::Role", "RoleId"),
}


def _digest(*parts: str, length: int = 8) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


class Resolver:
    """Resolves nodes of ``templates`` (``Stage/Stack`` → template) for ``config``'s accounts.
    ``parameter_values`` (``Stage/Stack`` → name → value) supplies parameters that have no
    default, such as the model package ARN a promotion passes to an Endpoint stack."""

    def __init__(
        self,
        templates: Mapping[str, dict[str, Any]],
        config: PlatformConfig,
        parameter_values: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.templates = templates
        self.region = config.region
        self._parameter_values = parameter_values or {}
        self._explicit_stack_names = {endpoint_stack_name(config, model.name) for model in config.models}
        self._accounts = {stage: getattr(config.accounts, name).account_id for name, stage in STAGE_IDS.items()}
        self._ssm = {
            (stack.split("/")[0], props["Name"]): (stack, props["Value"])
            for stack, template in templates.items()
            for resource in template.get("Resources", {}).values()
            if resource["Type"] == "AWS::SSM::Parameter"
            for props in [resource.get("Properties", {})]
            if isinstance(props.get("Name"), str)
        }

    def account(self, stack: str) -> str:
        return self._accounts[stack.split("/")[0]]

    def stack_name(self, stack: str) -> str:
        """The deployed name: ``Stage-Stack``, except stacks named explicitly (Endpoint stacks)."""
        stage, name = stack.split("/", 1)
        return name if name in self._explicit_stack_names else f"{stage}-{name}"

    def resolve(self, stack: str, node: Any, path: str = "") -> Any:
        """``node`` with every intrinsic resolved; ``AWS::NoValue`` entries are dropped."""
        value = self._resolve(stack, node, path or stack)
        if value is NO_VALUE:
            raise UnresolvableError(f"{path or stack}: resolves to AWS::NoValue")
        return value

    # Intrinsics ---------------------------------------------------------------------------

    def _resolve(self, stack: str, node: Any, path: str) -> Any:
        if isinstance(node, list):
            items = [self._resolve(stack, item, f"{path}[{i}]") for i, item in enumerate(node)]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, argument), = node.items()
            handler = _INTRINSICS.get(key)
            if handler is not None:
                return handler(self, stack, argument, f"{path}.{key}")
            if key.startswith("Fn::"):
                raise UnresolvableError(f"{path}: unknown intrinsic {key}")
        resolved = {key: self._resolve(stack, value, f"{path}.{key}") for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value is not NO_VALUE}

    def _ref(self, stack: str, name: Any, path: str) -> Any:
        if not isinstance(name, str):
            raise UnresolvableError(f"{path}: Ref to {name!r}")
        if name.startswith("AWS::"):
            return self._pseudo(stack, name, path)
        template = self.templates[stack]
        if name in template.get("Parameters", {}):
            return self._parameter(stack, name, template["Parameters"][name], path)
        resource = self._resource(stack, name, path)
        kind = resource["Type"]
        if kind in _ID_PREFIXES:
            return f"{_ID_PREFIXES[kind]}-{_digest(stack, name, length=17)}"
        rule = _RULES.get(kind)
        if rule is None:
            raise UnresolvableError(f"{path}: Ref of a {kind} ({name}) is not modelled")
        if rule.ref == "arn":
            return self._arn(stack, name, path)
        if rule.ref == "url":
            return f"https://sqs.{self.region}.amazonaws.com/{self.account(stack)}/{self.physical_name(stack, name, path)}"
        return self.physical_name(stack, name, path)

    def _get_att(self, stack: str, argument: Any, path: str) -> Any:
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        logical_id, attribute = (self._resolve(stack, part, path) for part in argument)
        kind = self._resource(stack, logical_id, path)["Type"]
        if attribute == "Arn" or (kind, attribute) in {
            ("AWS::SNS::Topic", "TopicArn"), ("AWS::SageMaker::Domain", "DomainArn"),
            ("AWS::SageMaker::ModelPackageGroup", "ModelPackageGroupArn"),
        }:
            return self._arn(stack, logical_id, path)
        if (kind, attribute) == ("AWS::SQS::Queue", "QueueUrl"):
            return self._ref(stack, logical_id, path)
        if (kind, attribute) == ("AWS::EC2::SecurityGroup", "GroupId"):
            return f"sg-{_digest(stack, logical_id, length=17)}"
        if (kind, attribute) == ("AWS::IAM::Role", "RoleId"):
            return f"AROA{_digest(stack, logical_id, length=17).upper()}"
        if (kind, attribute) in _NAME_ATTRIBUTES:
            return self.physical_name(stack, logical_id, path)
        if (kind, attribute) == ("AWS::EC2::VPC", "CidrBlock"):
            return self.resolve(stack, self.templates[stack]["Resources"][logical_id]["Properties"]["CidrBlock"], path)
        if (kind, attribute) == ("AWS::EC2::VPC", "DefaultSecurityGroup"):
            return f"sg-{_digest(stack, logical_id, 'default', length=17)}"
        raise UnresolvableError(f"{path}: attribute {attribute} of a {kind} ({logical_id}) is not modelled")

    def _join(self, stack: str, argument: Any, path: str) -> str:
        delimiter, items = argument
        values = self._resolve(stack, items, path)
        return delimiter.join(_text(value, path) for value in values)

    def _sub(self, stack: str, argument: Any, path: str) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {name: self._resolve(stack, value, f"{path}.{name}") for name, value in variables.items()}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in values:
                return _text(values[name], path)
            if "." in name:
                return _text(self._get_att(stack, name.split(".", 1), path), path)
            return _text(self._ref(stack, name, path), path)

        return re.sub(r"\$\{([^}]+)\}", substitute, text)

    def _select(self, stack: str, argument: Any, path: str) -> Any:
        index, items = (self._resolve(stack, part, path) for part in argument)
        if not isinstance(items, list) or not 0 <= int(index) < len(items):
            raise UnresolvableError(f"{path}: cannot select {index} from {items!r}")
        return items[int(index)]

    def _split(self, stack: str, argument: Any, path: str) -> list[str]:
        delimiter, text = argument
        return _text(self._resolve(stack, text, path), path).split(delimiter)

    def _get_azs(self, stack: str, argument: Any, path: str) -> list[str]:
        return [f"{self.region}{zone}" for zone in "abc"]

    def _import_value(self, stack: str, argument: Any, path: str) -> Any:
        export = self._resolve(stack, argument, path)
        stage = stack.split("/")[0]
        for other, template in self.templates.items():
            if other.split("/")[0] != stage:
                continue
            for output in template.get("Outputs", {}).values():
                exported = output.get("Export", {}).get("Name")
                if exported is not None and self.resolve(other, exported, path) == export:
                    return self.resolve(other, output["Value"], f"{other}.Outputs")
        raise UnresolvableError(f"{path}: no stack of {stage} exports {export!r}")

    def _get_stack_output(self, stack: str, argument: Any, path: str) -> Any:
        argument = self._resolve(stack, argument, path)
        if argument.get("Region", self.region) != self.region or "RoleArn" in argument:
            raise UnresolvableError(f"{path}: cross-region or cross-account stack outputs are not modelled")
        other = self._stack_by_name(stack.split("/")[0], argument["StackName"], path)
        outputs = self.templates[other].get("Outputs", {})
        if argument["OutputName"] not in outputs:
            raise UnresolvableError(f"{path}: {other} has no output {argument['OutputName']}")
        return self.resolve(other, outputs[argument["OutputName"]]["Value"], f"{other}.Outputs")

    # Names and ARNs -----------------------------------------------------------------------

    def physical_name(self, stack: str, logical_id: str, path: str = "") -> str:
        resource = self._resource(stack, logical_id, path)
        if resource["Type"] in _GENERATED_IDS:
            return _GENERATED_IDS[resource["Type"]](stack, logical_id)
        rule = _RULES.get(resource["Type"])
        properties = resource.get("Properties", {})
        if rule is not None and rule.name and rule.name in properties:
            return _text(self.resolve(stack, properties[rule.name], f"{path}.{rule.name}"), path)
        # CloudFormation's generated names: <stack>-<logical id>-<suffix>, deterministic here.
        name = f"{self.stack_name(stack)}-{logical_id}-{_digest(stack, logical_id).upper()}"
        return name.lower() if resource["Type"] == "AWS::S3::Bucket" else name

    def _arn(self, stack: str, logical_id: str, path: str) -> str:
        resource = self._resource(stack, logical_id, path)
        rule = _RULES.get(resource["Type"])
        if rule is None or rule.arn is None:
            raise UnresolvableError(f"{path}: the ARN of a {resource['Type']} ({logical_id}) is not modelled")
        name = self.physical_name(stack, logical_id, path)
        return rule.arn.format(
            region=self.region, account=self.account(stack), name=name, lname=name.lower(),
            path=resource.get("Properties", {}).get("Path", "/").lstrip("/"),
        )

    # Helpers ------------------------------------------------------------------------------

    def _pseudo(self, stack: str, name: str, path: str) -> Any:
        pseudo = {
            "AWS::AccountId": self.account(stack), "AWS::Region": self.region, "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": self.stack_name(stack),
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{self.account(stack)}:stack/"
                            f"{self.stack_name(stack)}/{_uuid(stack, 'stack')}",
        }
        if name == "AWS::NoValue":
            return NO_VALUE
        if name not in pseudo:
            raise UnresolvableError(f"{path}: unknown pseudo parameter {name}")
        return pseudo[name]

    def _parameter(self, stack: str, name: str, declaration: dict[str, Any], path: str) -> Any:
        given = self._parameter_values.get(stack, {})
        if name in given:
            return given[name]
        if "Default" not in declaration:
            raise UnresolvableError(f"{path}: parameter {name} of {stack} has no default and no given value")
        kind, default = declaration["Type"], declaration["Default"]
        if not kind.startswith("AWS::SSM::Parameter::Value<"):
            return default
        key = (stack.split("/")[0], default)
        if key not in self._ssm:
            raise UnresolvableError(f"{path}: no SSM parameter {default} in {stack.split('/')[0]}")
        owner, value = self._ssm[key]
        value = self.resolve(owner, value, f"{owner}:{default}")
        return value.split(",") if "List<" in kind else value

    def _resource(self, stack: str, logical_id: str, path: str) -> dict[str, Any]:
        resources = self.templates[stack].get("Resources", {})
        if logical_id not in resources:
            raise UnresolvableError(f"{path}: {stack} has no resource {logical_id}")
        return resources[logical_id]

    def _stack_by_name(self, stage: str, stack_name: str, path: str) -> str:
        for key in self.templates:
            if key.split("/")[0] == stage and self.stack_name(key) == stack_name:
                return key
        raise UnresolvableError(f"{path}: no stack named {stack_name} in {stage}")


def _uuid(*parts: str) -> str:
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


# Resources CloudFormation identifies by a generated id (Ref, the id attribute and the ARN agree on it).
_GENERATED_IDS = {
    "AWS::KMS::Key": _uuid,
    "AWS::SageMaker::Domain": lambda stack, logical_id: "d-" + _digest(stack, logical_id, length=12),
}


def _text(value: Any, path: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise UnresolvableError(f"{path}: {value!r} is not a string")
    return str(value)


_INTRINSICS = {
    "Ref": Resolver._ref,
    "Fn::GetAtt": Resolver._get_att,
    "Fn::Join": Resolver._join,
    "Fn::Sub": Resolver._sub,
    "Fn::Select": Resolver._select,
    "Fn::Split": Resolver._split,
    "Fn::GetAZs": Resolver._get_azs,
    "Fn::ImportValue": Resolver._import_value,
    "Fn::GetStackOutput": Resolver._get_stack_output,
}
