"""MonitoringSettings: what a model's monitoring stack takes from its account, resolved at deploy time.

Like Endpoint stacks (``EndpointSettings``), a model's monitoring stack reads the
account's workload subnets and security group, serving key and data-capture
bucket from ServingFoundation's SSM parameters, plus the monitoring bucket
(``MONITORING_BUCKET``, published by ServingFoundation too), as SSM-typed
CloudFormation parameters. Parameters rather than cross-stack exports: the
foundation's buckets are not pinned by the monitors, and IAM statements name
the buckets as ``<Parameter>`` placeholders that acknowledgements can spell
(``as_nag_renders``).

A stack that already declares ``EndpointSettings`` (an Endpoint stack) hands it
over as ``endpoint_settings``: CloudFormation parameters are stack-wide, so the
settings must be declared once.

A plain object, not a construct, and buckets are ``BucketName``s, not imported
``s3.IBucket``s: ARNs and URLs are spelled in Python (an imported bucket costs a
call across the jsii bridge per ARN, and a model's monitoring repeats per model).

Exposes ``subnet_ids`` (one string token per subnet: EventBridge Scheduler
inputs are JSON text, which cannot embed a list token), ``security_group_id``,
``key_arn``, ``data_capture_bucket`` and ``monitoring_bucket``, and ``nag_rendering``,
which spells a value holding these settings as cdk-nag prints it in a finding id.

``publish_monitoring_bucket`` (ServingFoundation) writes the monitoring bucket's parameter.
"""

from dataclasses import dataclass

from aws_cdk import CfnParameter, Fn, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from stacks.components.endpoint_settings import EndpointSettings
from platform_config import PlatformConfig
from platform_config.accounts import AccountConfig, ImportedNetwork
from platform_config.naming import serving_parameter_name

MONITORING_BUCKET = "monitoring-bucket"


@dataclass(frozen=True)
class BucketName:
    """A bucket known by its name (a literal or a token), with its ARNs and URLs as an imported
    ``s3.IBucket`` spells them."""

    name: str

    @property
    def bucket_arn(self) -> str:
        return f"arn:aws:s3:::{self.name}"

    def arn_for_objects(self, key_pattern: str) -> str:
        return f"{self.bucket_arn}/{key_pattern}"

    def s3_url_for_object(self, key: str) -> str:
        return f"s3://{self.name}/{key}"


class MonitoringSettings:
    def __init__(
        self,
        stack: Stack,
        *,
        config: PlatformConfig,
        account: AccountConfig,
        endpoint_settings: EndpointSettings | None = None,
    ) -> None:
        endpoint_settings = endpoint_settings or EndpointSettings(stack, config=config)
        if endpoint_settings.data_capture_bucket is None or endpoint_settings.key_arn is None:
            raise ValueError("monitoring needs the data-capture bucket and key: a serverless endpoint has neither")
        subnet_count = (
            len(account.network.subnet_ids)
            if isinstance(account.network, ImportedNetwork)
            else account.network.availability_zone_count
        )
        self.subnet_ids = [Fn.select(index, endpoint_settings.subnet_ids) for index in range(subnet_count)]
        self.security_group_id = endpoint_settings.security_group_id
        self.key_arn = endpoint_settings.key_arn
        self.data_capture_bucket = BucketName(endpoint_settings.data_capture_bucket)
        monitoring_bucket_name = CfnParameter(
            stack,
            "MonitoringBucket",
            type="AWS::SSM::Parameter::Value<String>",
            default=serving_parameter_name(config, MONITORING_BUCKET),
            description="SSM parameter holding the account's monitoring bucket (ServingFoundation)",
        ).value_as_string
        self.monitoring_bucket = BucketName(monitoring_bucket_name)
        self._parameters = {**endpoint_settings.parameters, monitoring_bucket_name: "MonitoringBucket"}

    def vpc_config(self) -> dict[str, list[str]]:
        """A SageMaker job's ``VpcConfig``, keys as the API and CloudFormation spell them."""
        return {"SecurityGroupIds": [self.security_group_id], "Subnets": self.subnet_ids}

    def nag_rendering(self, value: str) -> str:
        """``value`` as cdk-nag prints it inside a finding id: each setting's parameter as ``<LogicalId>``
        (what ``nag.as_nag_renders`` resolves through the stack, here without a call per value)."""
        for token, logical_id in self._parameters.items():
            value = value.replace(token, f"<{logical_id}>")
        return value


def publish_monitoring_bucket(scope: Construct, *, config: PlatformConfig, bucket: s3.IBucket) -> ssm.StringParameter:
    """The SSM parameter MonitoringSettings reads the monitoring bucket's name from."""
    return ssm.StringParameter(
        scope,
        "MonitoringBucketName",
        parameter_name=serving_parameter_name(config, MONITORING_BUCKET),
        string_value=bucket.bucket_name,
        description="Bucket the account's monitoring jobs write their reports to",
    )
