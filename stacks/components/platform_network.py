"""PlatformNetwork: the VPC an account's SageMaker workloads run in.

Created mode: a VPC with private isolated subnets only (no internet or NAT
gateway), VPC flow logs to a KMS-encrypted log group, an S3 gateway endpoint
and the interface endpoints in ``interface_services`` with private DNS, reachable
from ``workload_security_group``.

Imported mode: the VPC and subnets are referenced by id, with no lookup at
synth time; the owner of that VPC provides the endpoints (an S3 gateway endpoint on the
subnets' route tables among them).

Exposes ``vpc``, ``subnets`` (a SubnetSelection of the workload subnets), ``subnet_ids`` and
``workload_security_group``: HTTPS egress to the VPC (interface endpoints) and to the
region's S3 managed prefix list (the gateway endpoint), in both modes. The prefix list's id
differs per region and account partition, so ``S3PrefixList`` (a custom resource calling
``ec2:DescribeManagedPrefixLists``) reads it at deploy time; synth stays offline.
"""

from aws_cdk import Fn, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from stacks.components.nag import acknowledge
from stacks.components.platform_tags import expect_custom_resource_provider

from platform_config.accounts import CreatedNetwork, ImportedNetwork


PREFIX_LIST_ID_PATH = "PrefixLists.0.PrefixListId"
# CDK's fixed id of the singleton function behind every AwsCustomResource of a stack.
LOOKUP_FUNCTION_ID = "AWS679f53fac002430cb0da5b7982bd2287"


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
                vpc_cidr_block=network.cidr,
                availability_zones=list(network.availability_zones),
                isolated_subnet_ids=list(network.subnet_ids),
            )
        else:
            self.vpc = self._create_vpc(network, log_retention, removal_policy)
        self.subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        self.subnet_ids = self.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED).subnet_ids
        self.workload_security_group = ec2.SecurityGroup(
            self,
            "WorkloadSecurityGroup",
            vpc=self.vpc,
            description="SageMaker workloads and platform functions: HTTPS to the VPC endpoints and S3 only",
            allow_all_outbound=False,
        )
        self.workload_security_group.add_egress_rule(
            ec2.Peer.ipv4(self.vpc.vpc_cidr_block), ec2.Port.tcp(443), "HTTPS to VPC endpoints"
        )
        self.workload_security_group.add_egress_rule(
            ec2.Peer.prefix_list(self._s3_prefix_list_id()), ec2.Port.tcp(443), "HTTPS to S3 through the gateway endpoint"
        )
        self.workload_security_group.add_ingress_rule(
            self.workload_security_group, ec2.Port.all_tcp(), "Workloads talk to each other (Studio apps, distributed jobs)"
        )
        self.workload_security_group.add_egress_rule(
            self.workload_security_group, ec2.Port.all_tcp(), "Workloads talk to each other (Studio apps, distributed jobs)"
        )
        if isinstance(network, CreatedNetwork):
            self._add_endpoints(interface_services)

    def _s3_prefix_list_id(self) -> str:
        name = f"com.amazonaws.{Stack.of(self).region}.s3"
        call = cr.AwsSdkCall(
            service="EC2",
            action="describeManagedPrefixLists",
            parameters={"Filters": [{"Name": "prefix-list-name", "Values": [name]}]},
            physical_resource_id=cr.PhysicalResourceId.of(name),
            output_paths=[PREFIX_LIST_ID_PATH],
        )
        lookup = cr.AwsCustomResource(
            self,
            "S3PrefixList",
            on_create=call,
            on_update=call,
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [iam.PolicyStatement(actions=["ec2:DescribeManagedPrefixLists"], resources=["*"])]
            ),
            # The SDK in the Lambda runtime has the call; installing a newer one would need npm at deploy time.
            install_latest_aws_sdk=False,
        )
        acknowledge(
            lookup,
            "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
            "ec2:DescribeManagedPrefixLists supports no resource-level permissions; it is a read-only list call.",
        )
        self._acknowledge_lookup_function(Stack.of(self).node.find_child(LOOKUP_FUNCTION_ID))
        return lookup.get_response_field(PREFIX_LIST_ID_PATH)

    @staticmethod
    def _acknowledge_lookup_function(function: Construct) -> None:
        """The stack's one AwsCustomResource provider function, which CDK creates as a singleton."""
        reasons = {
            "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]":
                "CDK's AwsCustomResource provider always has AWS's basic execution policy: writing its own logs only.",
            "NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency":
                "Only CloudFormation invokes it, once per create or update of S3PrefixList.",
            "NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ":
                "CloudFormation invokes it synchronously and fails the deployment with its error; no event is lost.",
            "NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC":
                "It makes one EC2 API call at deploy time and touches no data; inside the VPC it would need an EC2 "
                "interface endpoint for that call alone.",
            "NIST.800.53.R5::NIST.800.53.R5-CloudWatchLogGroupEncrypted":
                "Its log holds the DescribeManagedPrefixLists request and response: AWS's published S3 prefix list, "
                "nothing confidential.",
        }
        for finding, reason in reasons.items():
            acknowledge(function, finding, reason)

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
        expect_custom_resource_provider(self)
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
                service=_AWS_PREFIXED.get(service) or ec2.InterfaceVpcEndpointAwsService(service),
                private_dns_enabled=True,
                security_groups=[endpoint_security_group],
                open=False,
            )


# Services whose endpoint name is not com.amazonaws.<region>.<service>: the MLflow tracking
# servers' is aws.sagemaker.<region>.experiments.
_AWS_PREFIXED = {"sagemaker.experiments": ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_EXPERIMENTS}


def _endpoint_id(service: str) -> str:
    return "".join(part.capitalize() for part in service.replace("-", ".").split(".")) + "Endpoint"
