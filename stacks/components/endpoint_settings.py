"""What an Endpoint stack needs from its account, handed over at deploy time through SSM.

The promotion pipeline deploys Endpoint stacks on their own, from templates, long
after ServingFoundation and Network were deployed; tokens cannot cross that gap,
and CloudFormation exports would pin the network and buckets for as long as an
endpoint imports them. So the account's settings are SSM parameters with fixed
names (``serving_parameter_name``), and Endpoint stacks read them as SSM-typed
CloudFormation parameters, resolved by CloudFormation in the target account.

``EndpointSettingsPublisher`` (ServingFoundation) writes the parameters: the
workload subnets and security group of ``network``, the data-capture bucket and
the account's serving key. Exposes ``parameter_arns``.

``EndpointSettings`` declares the CloudFormation parameters on the stack given
(an Endpoint stack, or a model's monitoring stack through ``MonitoringSettings``),
defaulting to those SSM names. A plain object, not a construct: parameters are
stack-wide, and a construct would only add a call across the jsii bridge per stack.
Exposes ``subnet_ids`` (a list token), ``security_group_id``, ``data_capture_bucket``
and ``key_arn``; with ``serverless`` (an endpoint with no volume, no data capture and no
VPC: SageMaker supports none of them for serverless inference) all four are ``None`` and
their parameters are not declared, as CloudFormation flags unused parameters. ``parameters`` maps each string setting's token to its
parameter's logical id.
"""

from aws_cdk import CfnParameter, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from stacks.components.platform_network import PlatformNetwork
from platform_config import PlatformConfig
from platform_config.naming import serving_parameter_name

SUBNET_IDS = "subnet-ids"
SECURITY_GROUP_ID = "security-group-id"
DATA_CAPTURE_BUCKET = "data-capture-bucket"
KEY_ARN = "key-arn"
SETTINGS = (SUBNET_IDS, SECURITY_GROUP_ID, DATA_CAPTURE_BUCKET, KEY_ARN)


class EndpointSettingsPublisher(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        network: PlatformNetwork,
        data_capture_bucket: s3.IBucket,
        key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        subnet_ids = network.vpc.select_subnets(
            subnet_type=network.subnets.subnet_type, subnet_group_name=network.subnets.subnet_group_name
        ).subnet_ids
        ssm.StringListParameter(
            self,
            "SubnetIds",
            parameter_name=serving_parameter_name(config, SUBNET_IDS),
            string_list_value=subnet_ids,
            description="Subnets of the account's SageMaker endpoints",
        )
        for construct_id_, setting, value, description in (
            ("SecurityGroupId", SECURITY_GROUP_ID, network.workload_security_group.security_group_id,
             "Security group of the account's SageMaker endpoints"),
            ("DataCaptureBucket", DATA_CAPTURE_BUCKET, data_capture_bucket.bucket_name,
             "Bucket the account's endpoints capture requests and responses into"),
            ("KeyArn", KEY_ARN, key.key_arn, "Key of the endpoints' volumes and captured data"),
        ):
            ssm.StringParameter(
                self, construct_id_, parameter_name=serving_parameter_name(config, setting),
                string_value=value, description=description,
            )
        stack = Stack.of(self)
        self.parameter_arns = [
            stack.format_arn(service="ssm", resource="parameter", resource_name=name.removeprefix("/"))
            for name in (serving_parameter_name(config, setting) for setting in SETTINGS)
        ]


class EndpointSettings:
    def __init__(self, stack: Stack, *, config: PlatformConfig, serverless: bool = False) -> None:
        self.parameters: dict[str, str] = {}

        def parameter(logical_id: str, setting: str, value_type: str) -> CfnParameter:
            # Parameters are stack-level: their logical ids are what the pipeline could override.
            return CfnParameter(
                stack,
                logical_id,
                type=f"AWS::SSM::Parameter::Value<{value_type}>",
                default=serving_parameter_name(config, setting),
                description=f"SSM parameter holding the account's {setting.replace('-', ' ')} (ServingFoundation)",
            )

        def string(logical_id: str, setting: str, value_type: str = "String") -> str:
            value = parameter(logical_id, setting, value_type).value_as_string
            self.parameters[value] = logical_id
            return value

        self.subnet_ids: list[str] | None = None
        self.security_group_id: str | None = None
        self.data_capture_bucket: str | None = None
        self.key_arn: str | None = None
        if not serverless:
            self.subnet_ids = parameter("SubnetIds", SUBNET_IDS, "List<AWS::EC2::Subnet::Id>").value_as_list
            self.security_group_id = string("SecurityGroupId", SECURITY_GROUP_ID, "AWS::EC2::SecurityGroup::Id")
            self.data_capture_bucket = string("DataCaptureBucket", DATA_CAPTURE_BUCKET)
            self.key_arn = string("KeyArn", KEY_ARN)
