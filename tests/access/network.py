"""Network rehearsal: what each VPC-attached workload can reach, read from the synthesized templates.

``workloads`` finds every workload that runs in a platform VPC (Studio domain, processing
and training steps of each SageMaker build pipeline, endpoint models, drift jobs, Lambda
functions with a ``VpcConfig``) and follows its security group and subnet values back to the
``<Stage>/Network`` template through the forms the app uses: ``Fn::GetStackOutput`` and
``Fn::ImportValue``, CloudFormation parameters of SSM type (to the ``AWS::SSM::Parameter`` of
that name in the same account), ``Fn::Sub`` variables, ``Fn::Join`` and ``Fn::Select``.

``reaches`` then answers "can this workload open a TCP connection to this destination on this
port" the way AWS would:

- ``s3``: a security group of the workload allows egress on the port to the region's S3
  managed prefix list, and the S3 gateway endpoint is attached to the route table of every
  subnet of the workload;
- an interface endpoint service (``sagemaker.api``...): the endpoint exists in the VPC with
  private DNS on, a workload security group allows egress on the port to the endpoint's
  security group (or to a CIDR that holds the VPC), and the endpoint's security group allows
  ingress on the port from a workload security group (or from such a CIDR);
- ``internet``: egress on the port to 0.0.0.0/0 and a route out of the VPC (internet, NAT or
  transit gateway, peering) from a subnet of the workload.

What it cannot model: endpoint policies, network ACLs (the app creates none), DNS resolution
beyond "private DNS is on", and what SageMaker itself does outside the VPC.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

INTERNET = "internet"
S3 = "s3"
S3_PREFIX_LIST = "s3-prefix-list"
VPC_CIDR = "vpc-cidr"
ANYWHERE = "0.0.0.0/0"
# A reference inside JSON text (a Fn::Join part, a Fn::Sub variable) becomes this marker string.
_MARKER = "@@{}@@"


@dataclass(frozen=True)
class Rule:
    """One security group rule: the peer is ``("sg", logical id)``, ``("cidr", text)``
    (``vpc-cidr`` for the VPC's own block) or ``("prefix-list", name)``."""

    protocol: str
    from_port: int
    to_port: int
    peer: tuple[str, str]

    def allows(self, port: int) -> bool:
        return self.protocol == "-1" or (self.protocol == "tcp" and self.from_port <= port <= self.to_port)


@dataclass
class SecurityGroup:
    egress: list[Rule] = field(default_factory=list)
    ingress: list[Rule] = field(default_factory=list)


@dataclass
class InterfaceEndpoint:
    service: str
    security_groups: list[str]
    private_dns: bool


@dataclass
class Network:
    """The ``<Stage>/Network`` template, as reachability needs it."""

    stage: str
    security_groups: dict[str, SecurityGroup]
    subnet_route_tables: dict[str, str]
    s3_gateway_route_tables: set[str]
    interface_endpoints: list[InterfaceEndpoint]
    leaving_route_tables: set[str]


@dataclass(frozen=True)
class Workload:
    """A workload in ``stage``'s VPC: its security groups and subnets (logical ids in the Network template)."""

    name: str
    kind: str
    stage: str
    security_groups: tuple[str, ...]
    subnets: tuple[str, ...]
    network_isolation: bool = False


def _ports(properties: dict) -> tuple[str, int, int]:
    protocol = str(properties.get("IpProtocol"))
    if protocol == "-1":
        return protocol, 0, 65535
    return protocol, int(properties.get("FromPort", 0)), int(properties.get("ToPort", 65535))


def _service_name(value: Any) -> str:
    if isinstance(value, dict) and "Fn::Join" in value:
        value = "".join(part if isinstance(part, str) else "" for part in value["Fn::Join"][1])
    name = str(value)
    # SageMaker's MLflow endpoint is aws.sagemaker.<region>.experiments: named here sagemaker.experiments.
    aws_prefixed = re.match(r"^aws\.sagemaker\.[^.]*\.(.+)$", name)
    if aws_prefixed:
        return f"sagemaker.{aws_prefixed.group(1)}"
    return re.sub(r"^com\.amazonaws\.[^.]*\.", "", name).lstrip(".")


class Templates:
    """The synthesized templates by ``Stage/Stack``, with the lookups that follow references."""

    def __init__(self, templates: dict[str, dict[str, Any]]):
        self.templates = templates
        self.networks = {path.split("/")[0]: self._network(path) for path in templates if path.endswith("/Network")}

    # ---- the Network template ------------------------------------------------------------

    def _peer(self, template: dict, properties: dict, direction: str) -> tuple[str, str]:
        group = properties.get("DestinationSecurityGroupId" if direction == "egress" else "SourceSecurityGroupId")
        if group is not None:
            return ("sg", self._getatt_id(group))
        prefix_list = properties.get("DestinationPrefixListId" if direction == "egress" else "SourcePrefixListId")
        if prefix_list is not None:
            return ("prefix-list", self._prefix_list_name(template, prefix_list))
        cidr = properties.get("CidrIp", properties.get("CidrIpv6"))
        if isinstance(cidr, dict) and cidr.get("Fn::GetAtt", [None, None])[1] == "CidrBlock":
            return ("cidr", VPC_CIDR)
        return ("cidr", str(cidr))

    @staticmethod
    def _getatt_id(value: Any) -> str:
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            return value["Fn::GetAtt"][0]
        if isinstance(value, dict) and "Ref" in value:
            return value["Ref"]
        return str(value)

    def _prefix_list_name(self, template: dict, value: Any) -> str:
        """``s3-prefix-list`` when ``value`` is the S3 managed prefix list of the stack's region,
        looked up at deploy time (a custom resource calling DescribeManagedPrefixLists)."""
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            resource = template["Resources"].get(value["Fn::GetAtt"][0], {})
            call = json.dumps(resource.get("Properties", {}).get("Create", ""))
            if re.search("describeManagedPrefixLists", call, re.IGNORECASE) and re.search(r"com\.amazonaws\.[a-z0-9-]+\.s3\b", call):
                return S3_PREFIX_LIST
        return json.dumps(value)

    def _network(self, path: str) -> Network:
        template = self.templates[path]
        resources = template["Resources"]
        groups: dict[str, SecurityGroup] = {}
        for logical_id, resource in resources.items():
            if resource["Type"] == "AWS::EC2::SecurityGroup":
                group = groups.setdefault(logical_id, SecurityGroup())
                properties = resource["Properties"]
                for direction in ("egress", "ingress"):
                    key = "SecurityGroupEgress" if direction == "egress" else "SecurityGroupIngress"
                    for rule in properties.get(key, []):
                        getattr(group, direction).append(Rule(*_ports(rule), self._peer(template, rule, direction)))
        for resource in resources.values():
            kind = {"AWS::EC2::SecurityGroupEgress": "egress", "AWS::EC2::SecurityGroupIngress": "ingress"}.get(resource["Type"])
            if kind:
                properties = resource["Properties"]
                group = groups.setdefault(self._getatt_id(properties["GroupId"]), SecurityGroup())
                getattr(group, kind).append(Rule(*_ports(properties), self._peer(template, properties, kind)))
        route_tables = {
            resource["Properties"]["SubnetId"]["Ref"]: resource["Properties"]["RouteTableId"]["Ref"]
            for resource in resources.values()
            if resource["Type"] == "AWS::EC2::SubnetRouteTableAssociation"
        }
        s3_route_tables: set[str] = set()
        interface_endpoints = []
        for resource in resources.values():
            if resource["Type"] != "AWS::EC2::VPCEndpoint":
                continue
            properties = resource["Properties"]
            service = _service_name(properties["ServiceName"])
            if properties.get("VpcEndpointType") == "Gateway" and service == S3:
                s3_route_tables |= {table["Ref"] for table in properties.get("RouteTableIds", [])}
            elif properties.get("VpcEndpointType") == "Interface":
                interface_endpoints.append(
                    InterfaceEndpoint(
                        service=service,
                        security_groups=[self._getatt_id(group) for group in properties.get("SecurityGroupIds", [])],
                        private_dns=bool(properties.get("PrivateDnsEnabled")),
                    )
                )
        # Gateway-endpoint routes are implicit; every AWS::EC2::Route sends traffic out of the VPC
        # (internet, NAT or transit gateway, peering, an appliance), unless it targets an endpoint.
        leaving_route_tables = {
            resource["Properties"]["RouteTableId"]["Ref"]
            for resource in resources.values()
            if resource["Type"] == "AWS::EC2::Route" and "VpcEndpointId" not in resource["Properties"]
        }
        return Network(path.split("/")[0], groups, route_tables, s3_route_tables, interface_endpoints, leaving_route_tables)

    # ---- following a value back to the Network template ---------------------------------

    def resolve(self, path: str, value: Any, parameters: dict[str, Any] | None = None) -> list[str]:
        """The Network-template logical ids ``value`` (in template ``path``) stands for."""
        stage = path.split("/")[0]
        template = self.templates[path]
        if isinstance(value, list):
            return [item for element in value for item in self.resolve(path, element, parameters)]
        if isinstance(value, str):
            if parameters and value in parameters:
                return self.resolve(path, parameters[value])
            return [value]
        if "Fn::GetStackOutput" in value:
            reference = value["Fn::GetStackOutput"]
            target = f"{stage}/{reference['StackName'].removeprefix(stage + '-')}"
            output = self.templates[target]["Outputs"][reference["OutputName"]]["Value"]
            return self.resolve(target, output)
        if "Fn::ImportValue" in value:
            for target, other in self.templates.items():
                for output in other.get("Outputs", {}).values():
                    if target.startswith(stage + "/") and output.get("Export", {}).get("Name") == value["Fn::ImportValue"]:
                        return self.resolve(target, output["Value"])
            raise LookupError(f"no export {value['Fn::ImportValue']} in {stage}")
        if "Ref" in value:
            name = value["Ref"]
            if parameters and name in parameters:
                return self.resolve(path, parameters[name])
            parameter = template.get("Parameters", {}).get(name)
            if parameter is not None:
                if not parameter["Type"].startswith("AWS::SSM::Parameter::Value"):
                    raise LookupError(f"{path} parameter {name} is not read from SSM: its value is not in the templates")
                return self._ssm(stage, parameter["Default"])
            return [name]
        if "Fn::GetAtt" in value:
            return [value["Fn::GetAtt"][0]]
        if "Fn::Join" in value:
            delimiter, parts = value["Fn::Join"]
            if delimiter not in {",", '", "'}:
                raise LookupError(f"{path}: a join on {delimiter!r} is not a list of ids")
            return self.resolve(path, parts, parameters)
        if "Fn::Select" in value:
            index, items = value["Fn::Select"]
            return [self.resolve(path, items, parameters)[int(index)]]
        raise LookupError(f"{path}: cannot follow {json.dumps(value)[:200]}")

    def _ssm(self, stage: str, name: str) -> list[str]:
        for path, template in self.templates.items():
            if not path.startswith(stage + "/"):
                continue
            for resource in template["Resources"].values():
                if resource["Type"] == "AWS::SSM::Parameter" and resource["Properties"].get("Name") == name:
                    return self.resolve(path, resource["Properties"]["Value"])
        raise LookupError(f"no SSM parameter {name} in {stage}")

    # ---- workloads --------------------------------------------------------------------

    def _workload(self, path: str, name: str, kind: str, vpc_config: dict, isolation: bool = False, parameters=None) -> Workload:
        groups = vpc_config.get("SecurityGroupIds", vpc_config.get("SecurityGroups"))
        subnets = vpc_config.get("Subnets", vpc_config.get("SubnetIds"))
        return Workload(
            name=name,
            kind=kind,
            stage=path.split("/")[0],
            security_groups=tuple(self.resolve(path, groups, parameters)),
            subnets=tuple(self.resolve(path, subnets, parameters)),
            network_isolation=isolation,
        )

    def workloads(self) -> list[Workload]:
        found: list[Workload] = []
        for path, template in self.templates.items():
            for logical_id, resource in template["Resources"].items():
                found.extend(self._workloads_of(path, logical_id, resource))
        return found

    def _workloads_of(self, path: str, logical_id: str, resource: dict) -> Iterator[Workload]:
        kind, properties = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::SageMaker::Domain":
            settings = properties["DefaultUserSettings"]
            yield self._workload(
                path, f"{path} studio {properties['DomainName']}", "studio",
                {"SecurityGroups": settings["SecurityGroups"], "SubnetIds": properties["SubnetIds"]},
            )
        elif kind == "AWS::SageMaker::Model" and "VpcConfig" in properties:
            yield self._workload(path, f"{path} endpoint model", "endpoint", properties["VpcConfig"], bool(properties.get("EnableNetworkIsolation")))
        elif kind == "AWS::Lambda::Function" and "VpcConfig" in properties:
            yield self._workload(path, f"{path} function {logical_id}", "function", properties["VpcConfig"])
        elif kind == "AWS::SageMaker::Pipeline":
            yield from self._pipeline_workloads(path, properties)
        elif kind == "AWS::Scheduler::Schedule" and "createProcessingJob" in json.dumps(properties["Target"]["Arn"]):
            job, tokens = _detokenized(properties["Target"]["Input"])
            network = job.get("NetworkConfig", {})
            yield self._workload(
                path, f"{path} drift job {job['ProcessingJobName']}", "drift-job",
                network.get("VpcConfig", {}), bool(network.get("EnableNetworkIsolation")), tokens,
            )
        elif kind.startswith("AWS::SageMaker::") and kind.endswith("JobDefinition"):
            network = properties.get("NetworkConfig", {})
            yield self._workload(path, f"{path} monitor {logical_id}", "monitor", network.get("VpcConfig", {}),
                                 bool(network.get("EnableNetworkIsolation")))

    def _pipeline_workloads(self, path: str, properties: dict) -> Iterator[Workload]:
        body = properties["PipelineDefinition"]["PipelineDefinitionBody"]
        text, variables = body["Fn::Sub"] if isinstance(body, dict) else (body, {})
        definition = json.loads(re.sub(r"\$\{([A-Za-z0-9:]+)\}", lambda match: _MARKER.format(match.group(1)), text))
        parameters = {_MARKER.format(name): value for name, value in variables.items()}
        for step in _job_steps(definition["Steps"]):
            arguments = step["Arguments"]
            if step["Type"] == "Processing":
                network = arguments.get("NetworkConfig", {})
                vpc, isolation = network.get("VpcConfig"), bool(network.get("EnableNetworkIsolation"))
            else:
                vpc, isolation = arguments.get("VpcConfig"), bool(arguments.get("EnableNetworkIsolation"))
            name = f"{path} {properties['PipelineName']} {step['Name']}"
            if vpc is None:
                yield Workload(name, f"pipeline:{step['Name']}", path.split("/")[0], (), (), isolation)
                continue
            yield Workload(
                name=name,
                kind=f"pipeline:{step['Name']}",
                stage=path.split("/")[0],
                security_groups=tuple(self._placeholders(path, vpc["SecurityGroupIds"], parameters)),
                subnets=tuple(self._placeholders(path, vpc["Subnets"], parameters)),
                network_isolation=isolation,
            )

    def _placeholders(self, path: str, values: list[str], parameters: dict[str, Any]) -> list[str]:
        unknown = [value for value in values if value not in parameters]
        if unknown:
            raise LookupError(f"{path}: {unknown} are fixed ids, not the account's network")
        return [item for value in values for item in self.resolve(path, parameters[value])]


def _job_steps(steps: list[dict]) -> Iterator[dict]:
    for step in steps:
        if step["Type"] in {"Processing", "Training"}:
            yield step
        if step["Type"] == "Condition":
            yield from _job_steps(step["Arguments"].get("IfSteps", []) + step["Arguments"].get("ElseSteps", []))


def _detokenized(value: Any) -> tuple[dict, dict[str, Any]]:
    """A ``Fn::Join`` of JSON text and references, parsed: each reference becomes a marker string,
    and the markers map to the references."""
    parts = value["Fn::Join"][1] if isinstance(value, dict) else [value]
    tokens: dict[str, Any] = {}
    text = ""
    for part in parts:
        if isinstance(part, str):
            text += part
        else:
            marker = _MARKER.format(len(tokens))
            tokens[marker] = part
            text += marker
    job = json.loads(text)
    return job, tokens


# ---- reachability ------------------------------------------------------------------------


def _egress_to(network: Network, workload: Workload, port: int, peers: set[tuple[str, str]]) -> bool:
    return any(
        rule.allows(port) and rule.peer in peers
        for group in workload.security_groups
        for rule in network.security_groups.get(group, SecurityGroup()).egress
    )


def reaches(networks: dict[str, Network], workload: Workload, destination: str, port: int) -> bool:
    if not workload.security_groups or not workload.subnets:
        return False
    # An isolated container opens no connection; SageMaker moves its S3 data through the VPC.
    if workload.network_isolation and destination != S3:
        return False
    network = networks[workload.stage]
    inside_vpc = {("cidr", VPC_CIDR), ("cidr", ANYWHERE)}
    if destination == INTERNET:
        routed = any(network.subnet_route_tables.get(subnet) in network.leaving_route_tables for subnet in workload.subnets)
        return routed and _egress_to(network, workload, port, {("cidr", ANYWHERE)})
    if destination == S3:
        routed = all(network.subnet_route_tables.get(subnet) in network.s3_gateway_route_tables for subnet in workload.subnets)
        return routed and _egress_to(network, workload, port, {("prefix-list", S3_PREFIX_LIST), ("cidr", ANYWHERE)})
    for endpoint in network.interface_endpoints:
        if endpoint.service != destination or not endpoint.private_dns:
            continue
        out = _egress_to(network, workload, port, inside_vpc | {("sg", group) for group in endpoint.security_groups})
        sources = inside_vpc | {("sg", group) for group in workload.security_groups}
        into = any(
            rule.allows(port) and rule.peer in sources
            for group in endpoint.security_groups
            for rule in network.security_groups.get(group, SecurityGroup()).ingress
        )
        if out and into:
            return True
    return False


def egress_outside_the_vpc(network: Network, workload: Workload) -> list[Rule]:
    """Egress rules of the workload's groups to a CIDR other than the VPC's own."""
    return [
        rule
        for group in workload.security_groups
        for rule in network.security_groups.get(group, SecurityGroup()).egress
        if rule.peer[0] == "cidr" and rule.peer[1] != VPC_CIDR
    ]
