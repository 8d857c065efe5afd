"""The model execution role (staging, prod): what every endpoint's model runs as.

``model_execution_role`` creates, in ``scope``, the role ``name`` that SageMaker
assumes for endpoint models. It may read model artifacts under ``models/`` of dev's
artifact bucket and decrypt them with dev's artifact key (held to it by alias), pull
the SageMaker XGBoost image, write captured data (``data_capture_bucket``, ``key``),
read async requests (``async-input/``), batch inputs (``batch-input/``) and transform jobs'
input manifests (``batch-output/*/inputs.manifest``) of that bucket,
publish to async endpoints' SNS topics (``<platform>-*-async-*``), write endpoint logs and metrics, and manage the network interfaces of a model in the VPC
(only in ``subnet_ids`` with ``security_group_id``; see
``allow_workload_network_interfaces``). Nothing in it names a model: every endpoint of
the account runs as this one role.
"""

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from platform_config import PlatformConfig
from platform_config.naming import ANY_MODEL, artifact_key_alias, async_topic_name, dev_bucket_name
from stacks.components.nag import as_nag_renders
from stacks.components.network_interface_access import allow_workload_network_interfaces
from stacks.components.processing_images import REGISTRIES
from stacks.components.role_statements import acknowledge_wildcards, allow, dev_key_pattern

MODEL_ARTIFACT_PREFIX = "models/"
# Object key patterns an endpoint or transform job reads as the model's role.
MODEL_INPUTS = ("async-input/*", "batch-input/*", "batch-output/*/inputs.manifest")
XGBOOST_REPOSITORY = "sagemaker-xgboost"


def model_execution_role(
    scope: Construct,
    construct_id: str,
    *,
    config: PlatformConfig,
    name: str,
    key: kms.IKey,
    data_capture_bucket: s3.IBucket,
    subnet_ids: list[str],
    security_group_id: str,
) -> iam.Role:
    stack = Stack.of(scope)
    role = iam.Role(
        scope,
        construct_id,
        role_name=name,
        description="Endpoint models: read registered artifacts from dev, write captured data",
        assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
    )
    artifacts = f"arn:aws:s3:::{dev_bucket_name(config, 'artifacts')}"
    allow(role, "ReadModelArtifacts", ["s3:GetObject"], [f"{artifacts}/{MODEL_ARTIFACT_PREFIX}*"])
    allow(
        role,
        "DecryptModelArtifacts",
        ["kms:Decrypt"],
        [dev_key_pattern(config)],
        {"ForAnyValue:StringEquals": {"kms:ResourceAliases": artifact_key_alias(config)}},
    )
    region = stack.region
    allow(
        role,
        "PullXgboostImage",
        ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
        [f"arn:aws:ecr:{region}:{xgboost_registry(region)}:repository/{XGBOOST_REPOSITORY}"],
    )
    allow(role, "EcrAuthorization", ["ecr:GetAuthorizationToken"], ["*"])
    # Captures, async answers and failures, batch outputs: SageMaker writes them all as this role.
    allow(role, "WriteCapturedData", ["s3:PutObject"], [data_capture_bucket.arn_for_objects("*")])
    # Async requests, batch transform inputs and the manifest naming a transform job's inputs are
    # read as the model's role.
    inputs = [data_capture_bucket.arn_for_objects(pattern) for pattern in MODEL_INPUTS]
    allow(role, "ReadModelInputs", ["s3:GetObject"], inputs)
    topics = stack.format_arn(service="sns", resource=async_topic_name(config, ANY_MODEL, "*"))
    allow(role, "PublishAsyncResults", ["sns:Publish"], [topics])
    allow(role, "EncryptCapturedData", ["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"], [key.key_arn])
    endpoint_logs = stack.format_arn(
        service="logs", resource="log-group", resource_name="/aws/sagemaker/Endpoints/*",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )
    allow(
        role,
        "EndpointLogs",
        ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        [endpoint_logs],
    )
    allow(
        role,
        "EndpointMetrics",
        ["cloudwatch:PutMetricData"],
        ["*"],
        {"StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/Endpoints*", "AWS/SageMaker"]}},
    )
    # SageMaker's VPC hosting requirements add DescribeVpcEndpoints to what jobs need.
    network_interfaces = allow_workload_network_interfaces(
        role, subnet_ids=subnet_ids, security_group_ids=[security_group_id],
        describe_actions=("ec2:DescribeVpcEndpoints",),
    )
    acknowledge_wildcards(
        role,
        {
            **network_interfaces,
            "Resource::*": (
                "ecr:GetAuthorizationToken, the EC2 Describe actions, ec2:DeleteNetworkInterfacePermission "
                "(it names a permission, not an interface) and cloudwatch:PutMetricData support no "
                "resource-level permissions; PutMetricData is held to SageMaker's endpoint namespaces by a "
                "condition. Creating and deleting interfaces is held to the workload subnets."
            ),
            f"Resource::{artifacts}/{MODEL_ARTIFACT_PREFIX}*": (
                "Every registered model version keeps its artifact below models/; which one an endpoint "
                "loads is the package the pipeline deploys. Dev's bucket policy grants this role no more."
            ),
            f"Resource::{dev_key_pattern(config)}": (
                "Dev's artifact key has a generated id in another account; the kms:ResourceAliases "
                "condition holds the statement to the key carrying the platform's artifact alias."
            ),
            **{
                f"Resource::{as_nag_renders(role, objects)}": (
                    "Async requests and batch inputs are objects clients add below these prefixes at any time, and "
                    "each transform job's input manifest sits in its own dated folder; captured data, answers and "
                    "scores are not readable."
                )
                for objects in inputs
            },
            f"Resource::{as_nag_renders(role, topics)}": (
                "An async endpoint's success and error topics are named <platform>-<model>-async-<outcome>; every "
                "model runs as this one role, so it may publish to those topics and no other."
            ),
            f"Resource::{as_nag_renders(role, data_capture_bucket.arn_for_objects('*'))}": (
                "SageMaker writes captured requests under endpoint/variant/date keys it chooses, async answers "
                "and failures under async-output/ and async-failure/, batch scores under batch-output/; the bucket "
                "holds the serving data of this account only."
            ),
            f"Resource::arn:aws:logs:{region}:{stack.account}:log-group:/aws/sagemaker/Endpoints/*": (
                "SageMaker names each endpoint's log group after the endpoint, below /aws/sagemaker/Endpoints/."
            ),
        },
    )
    return role


def xgboost_registry(region: str) -> str:
    # SageMaker publishes its XGBoost and SKLearn images from one registry account per region
    # (the SDK's tables agree; tests/infra/test_serving_foundation.py checks it).
    return REGISTRIES[region][0]
