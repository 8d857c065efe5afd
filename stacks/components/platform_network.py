"""PlatformNetwork: the VPC an account's SageMaker workloads run in.

Created mode: a VPC with private isolated subnets only (no internet or NAT
gateway), VPC flow logs to a KMS-encrypted log group, an S3 gateway endpoint
and the interface endpoints in ``interface_services`` with private DNS, reachable
from ``workload_security_group``.

Imported mode: the VPC and subnets are referenced by id, with no lookup at
synth time; the owner of that VPC provides the endpoints.

Exposes ``vpc``, ``subnets`` (a SubnetSelection of the workload subnets) and
``workload_security_group`` (egress inside the VPC only, HTTPS).
"""

from aws_cdk import Fn, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.config.accounts import CreatedNetwork, ImportedNetwork


class PlatformNetwork(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        network: CreatedNetwork | ImportedNetwork,
        interface_services: tuple[str, ...],
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        if isinstance(network, ImportedNetwork):
            self.vpc = ec2.Vpc.from_vpc_attributes(
                self,
                "Vpc",
                vpc_id=network.vpc_id,
                availability_zones=list(network.availability_zones),
                isolated_subnet_ids=list(network.subnet_ids),
            )
        else:
            self.vpc = self._create_vpc(network, log_retention, removal_policy)
        self.subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        self.workload_security_group = ec2.SecurityGroup(
            self,
            "WorkloadSecurityGroup",
            vpc=self.vpc,
            description="SageMaker workloads and platform functions: HTTPS inside the VPC only",
            allow_all_outbound=False,
        )
        self.workload_security_group.add_egress_rule(
            ec2.Peer.ipv4(self.vpc.vpc_cidr_block), ec2.Port.tcp(443), "HTTPS to VPC endpoints"
        )
        self.workload_security_group.add_ingress_rule(
            self.workload_security_group, ec2.Port.all_tcp(), "Workloads talk to each other (Studio apps, distributed jobs)"
        )
        self.workload_security_group.add_egress_rule(
            self.workload_security_group, ec2.Port.all_tcp(), "Workloads talk to each other (Studio apps, distributed jobs)"
        )
        if isinstance(network, CreatedNetwork):
            self._add_endpoints(interface_services)

    def _create_vpc(
        self, network: CreatedNetwork, log_retention: logs.RetentionDays, removal_policy: RemovalPolicy
    ) -> ec2.Vpc:
        flow_log_key = kms.Key(
            self,
            "FlowLogKey",
            description="Encrypts the VPC flow log group",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        flow_log_key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                principals=[iam.ServicePrincipal("logs.amazonaws.com")],
                resources=["*"],
            )
        )
        flow_log_group = logs.LogGroup(
            self, "FlowLogGroup", encryption_key=flow_log_key, retention=log_retention, removal_policy=removal_policy
        )
        vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(network.cidr),
            availability_zones=[Fn.select(index, Fn.get_azs()) for index in range(network.availability_zone_count)],
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="Workloads", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=20)
            ],
            restrict_default_security_group=True,
        )
        vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_log_group),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )
        return vpc

    def _add_endpoints(self, interface_services: tuple[str, ...]) -> None:
        self.vpc.add_gateway_endpoint("S3Endpoint", service=ec2.GatewayVpcEndpointAwsService.S3)
        endpoint_security_group = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=self.vpc,
            description="Interface endpoints: HTTPS from platform workloads",
            allow_all_outbound=False,
        )
        endpoint_security_group.add_ingress_rule(
            self.workload_security_group, ec2.Port.tcp(443), "HTTPS from platform workloads"
        )
        for service in interface_services:
            self.vpc.add_interface_endpoint(
                _endpoint_id(service),
                service=ec2.InterfaceVpcEndpointAwsService(service),
                private_dns_enabled=True,
                security_groups=[endpoint_security_group],
                open=False,
            )


def _endpoint_id(service: str) -> str:
    return "".join(part.capitalize() for part in service.replace("-", ".").split(".")) + "Endpoint"
