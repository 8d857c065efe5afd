"""The CloudFormation execution role (staging, prod): what Endpoint stacks are deployed as.

``cloudformation_execution_role`` creates, in ``scope``, the role ``name`` that
CloudFormation (of this account only) assumes for the Endpoint stacks. It may create,
update and delete the resource types those stacks hold, each held to the platform's
naming convention rather than to a list of models, so adding a model changes nothing here:

- SageMaker models and endpoint configs (CloudFormation-generated names), endpoints named
  ``<platform>-*`` (``endpoint_name``), models only from versions of dev's registry groups
  named ``<platform>-*`` (``model_package_group_name``), passing ``model_execution`` to
  SageMaker, and the serving ``key`` (describe; grants for SageMaker's own resources);
- the rollback alarms, ``<platform>-*-rollback-*`` (``rollback_alarm_name``);
- with ``autoscaling``, the endpoints' autoscaling (``allow_endpoint_autoscaling``), the scaling
  alarms ``<platform>-*-scaling-*`` (``scaling_alarm_name``) and an async endpoint's SNS topics,
  ``<platform>-*-async-*`` (``async_topic_name``; async serving is prod's only);
- Model Monitor schedules and job definitions of the platform's endpoints, passing the
  models' monitoring job roles (``allow_endpoint_model_monitors``): any model may use the
  ``sagemaker-model-monitor`` engine without editing this role;
- reading the SSM parameters Endpoint stacks resolve (``setting_parameter_arns``).

Nothing here can change a model package: approving and recording stay in dev.
"""

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from platform_config import PlatformConfig
from platform_config.naming import (
    ANY_MODEL,
    endpoint_name,
    model_package_group_name,
    rollback_alarm_name,
    scaling_alarm_name,
)
from stacks.components.endpoint_role_extensions import (
    allow_async_topics,
    allow_endpoint_autoscaling,
    allow_endpoint_model_monitors,
)
from stacks.components.role_statements import acknowledge_wildcards, allow, sagemaker_arn


def cloudformation_execution_role(
    scope: Construct,
    construct_id: str,
    *,
    config: PlatformConfig,
    name: str,
    key: kms.IKey,
    model_execution: iam.IRole,
    setting_parameter_arns: list[str],
    autoscaling: bool,
) -> iam.Role:
    role = iam.Role(
        scope,
        construct_id,
        role_name=name,
        description="CloudFormation's service role for the Endpoint stacks the promotion pipeline deploys",
        assumed_by=iam.ServicePrincipal(
            "cloudformation.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": Stack.of(scope).account}}
        ),
    )
    wildcards = _allow_sagemaker_resources(role, config, key, model_execution)
    wildcards |= _allow_rollback_alarms(role, config, autoscaling)
    if autoscaling:
        wildcards |= allow_endpoint_autoscaling(role)
        wildcards |= allow_async_topics(role, config)
    wildcards |= allow_endpoint_model_monitors(role, config)
    allow(role, "ReadEndpointSettings", ["ssm:GetParameters"], setting_parameter_arns)
    acknowledge_wildcards(role, wildcards)
    return role


def _allow_sagemaker_resources(
    role: iam.Role, config: PlatformConfig, key: kms.IKey, model_execution: iam.IRole
) -> dict[str, str]:
    models = sagemaker_arn(role, "model", "*")
    endpoint_configs = sagemaker_arn(role, "endpoint-config", "*")
    endpoints = sagemaker_arn(role, "endpoint", endpoint_name(config, ANY_MODEL))
    # SageMaker lowercases names in ARNs.
    packages = (
        f"arn:aws:sagemaker:{config.region}:{config.accounts.dev.account_id}:model-package/"
        f"{model_package_group_name(config, ANY_MODEL).lower()}/*"
    )
    allow(role, "Models", ["sagemaker:CreateModel", "sagemaker:DescribeModel", "sagemaker:DeleteModel"], [models])
    allow(role, "ModelsFromDevRegistry", ["sagemaker:CreateModel", "sagemaker:DescribeModelPackage"], [packages])
    allow(
        role,
        "EndpointConfigs",
        ["sagemaker:CreateEndpointConfig", "sagemaker:DescribeEndpointConfig", "sagemaker:DeleteEndpointConfig"],
        [endpoint_configs],
    )
    allow(
        role,
        "Endpoints",
        ["sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint", "sagemaker:DescribeEndpoint", "sagemaker:DeleteEndpoint"],
        [endpoints, endpoint_configs],
    )
    allow(
        role,
        "TagSageMakerResources",
        ["sagemaker:AddTags", "sagemaker:DeleteTags", "sagemaker:ListTags"],
        [models, endpoint_configs, endpoints],
    )
    allow(
        role,
        "PassModelExecutionRole",
        ["iam:PassRole"],
        [model_execution.role_arn],
        {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
    )
    allow(role, "DescribeServingKey", ["kms:DescribeKey"], [key.key_arn])
    # SageMaker encrypts endpoint volumes through a grant the creator of the endpoint makes.
    allow(role, "GrantServingKeyToSageMaker", ["kms:CreateGrant"], [key.key_arn],
          {"Bool": {"kms:GrantIsForAWSResource": "true"}})
    generated = (
        "get CloudFormation-generated names so a new version never collides with the one it replaces; the "
        "statement is held to this account and region."
    )
    return {
        f"Resource::{models}": f"Models {generated}",
        f"Resource::{endpoint_configs}": f"Endpoint configs {generated}",
        f"Resource::{endpoints}": (
            "Every model's endpoint is named <platform>-<model>; the pattern admits the platform's endpoints and "
            "no other, so a new model needs no change here."
        ),
        f"Resource::{packages}": (
            "A model is created from whichever version of a platform registry group (<platform>-<model>) was "
            "approved; each group's resource policy in dev decides which accounts may read it."
        ),
    }


def _allow_rollback_alarms(role: iam.Role, config: PlatformConfig, autoscaling: bool) -> dict[str, str]:
    names = [rollback_alarm_name(config, ANY_MODEL, "*")]
    if autoscaling:
        # Target tracking creates its alarms with the caller's permissions, named after the endpoint.
        names.append(f"TargetTracking-endpoint/{endpoint_name(config, ANY_MODEL)}/*")
        names.append(scaling_alarm_name(config, ANY_MODEL, "*"))
    stack = Stack.of(role)
    alarms = [
        stack.format_arn(service="cloudwatch", resource="alarm", resource_name=alarm,
                         arn_format=ArnFormat.COLON_RESOURCE_NAME)
        for alarm in names
    ]
    allow(
        role,
        "Alarms",
        ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource",
         "cloudwatch:UntagResource", "cloudwatch:ListTagsForResource"],
        alarms,
    )
    allow(role, "DescribeAlarms", ["cloudwatch:DescribeAlarms"], ["*"])
    return {
        **{
            f"Resource::{alarm}": (
                "Rollback alarms are named <platform>-<model>-rollback-<metric>, scaling alarms "
                "<platform>-<model>-scaling-<purpose>; target-tracking alarms are named by "
                "Application Auto Scaling after the endpoint (<platform>-<model>), with a generated suffix."
            )
            for alarm in alarms
        },
        "Resource::*": (
            "cloudwatch:DescribeAlarms and Application Auto Scaling's Describe actions support no "
            "resource-level permissions."
        ),
    }
