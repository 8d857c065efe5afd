"""ServingRoles (staging, prod): the fixed-name roles dev's promotion pipeline relies on.

Names come from ``serving_role_names``, because dev's policies and pipeline
refer to them by ARN. Trust in dev uses the dev account as principal with an
``aws:PrincipalArn`` condition on a fixed role name, so either side may be
deployed first.

- ``model_execution``: what endpoint models run as (sagemaker.amazonaws.com):
  reads model artifacts under ``models/`` of dev's artifact bucket and decrypts
  them with dev's artifact key, pulls the SageMaker XGBoost image, writes
  captured data (``data_capture_bucket``, ``key``), logs, metrics, and the
  network interfaces of a model in the VPC (only in ``subnet_ids`` with
  ``security_group_id``; see ``allow_workload_network_interfaces``).
- ``endpoint_deployer``: assumed by dev's promotion pipeline role only; creates,
  updates and, when a deploy left one in a failed state, deletes and recreates
  the Endpoint stacks (and no other stack) with ``cloudformation_execution`` as
  their service role, and reads the pipeline's artifacts in dev.
- ``cloudformation_execution``: CloudFormation's role for Endpoint stacks,
  limited to the resource types they hold, which it may create, update and
  delete: SageMaker models, endpoint configs and endpoints (models only from
  dev's registry groups), the rollback alarms, autoscaling of the endpoints
  when ``autoscaling``, and passing ``model_execution`` to SageMaker. For models
  on the ``sagemaker-model-monitor`` engine, also their Model Monitor schedules
  and job definitions (names starting with the model's endpoint name), passing
  the account's ``monitoring_job`` role (Monitoring stack) to SageMaker, and,
  with the deployer, reading the monitoring bucket's SSM parameter.
- ``smoke_tester`` (when ``smoke_test``): assumed by dev's smoke-test function
  only; invokes the model endpoints, nothing else.

Nothing here can change a model package: approving and recording stay in dev.
Exposes ``model_execution``, ``endpoint_deployer``, ``cloudformation_execution``
and ``smoke_tester`` (``None`` without ``smoke_test``).
"""

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.components.model_monitor_schedules import MODEL_MONITOR
from stacks.components.monitoring_settings import MONITORING_BUCKET
from stacks.components.nag import acknowledge, as_nag_renders
from stacks.components.network_interface_access import allow_workload_network_interfaces
from stacks.components.processing_images import REGISTRIES
from platform_config import PlatformConfig
from stacks.cross_account import promotion_role_names, role_arn, serving_role_names
from platform_config.naming import (
    artifact_key_alias,
    dev_bucket_name,
    endpoint_name,
    endpoint_stack_name,
    model_package_group_name,
    promotion_artifact_bucket_name,
    promotion_artifact_key_alias,
    rollback_alarm_name,
    serving_parameter_name,
)

MODEL_ARTIFACT_PREFIX = "models/"
XGBOOST_REPOSITORY = "sagemaker-xgboost"
AUTOSCALING_SERVICE = "sagemaker.application-autoscaling.amazonaws.com"
ENDPOINT_SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
# ARN resource type prefix of a Model Monitor job definition → its API name.
MONITOR_KINDS = {
    "data-quality": "DataQuality",
    "model-quality": "ModelQuality",
    "model-bias": "ModelBias",
    "model-explainability": "ModelExplainability",
}


class ServingRoles(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        key: kms.IKey,
        data_capture_bucket: s3.IBucket,
        subnet_ids: list[str],
        security_group_id: str,
        setting_parameter_arns: list[str],
        autoscaling: bool,
        smoke_test: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._stack = Stack.of(self)
        self._dev = config.accounts.dev.account_id
        self._model_monitor_endpoints = [
            endpoint_name(config, model.name) for model in config.models if model.monitoring.engine == MODEL_MONITOR
        ]
        if self._model_monitor_endpoints:
            # Endpoint stacks with Model Monitor schedules read the monitoring bucket's name too.
            setting_parameter_arns = [
                *setting_parameter_arns,
                self._stack.format_arn(
                    service="ssm", resource="parameter",
                    resource_name=serving_parameter_name(config, MONITORING_BUCKET).removeprefix("/"),
                ),
            ]
        names = serving_role_names(config)
        dev_roles = promotion_role_names(config)
        self.model_execution = self._model_execution(
            names.model_execution, key, data_capture_bucket, subnet_ids, security_group_id
        )
        self.cloudformation_execution = self._cloudformation_execution(
            names.cloudformation_execution, key, setting_parameter_arns, autoscaling
        )
        self.endpoint_deployer = self._endpoint_deployer(
            names.endpoint_deployer, role_arn(config, "dev", dev_roles.pipeline), setting_parameter_arns
        )
        self.smoke_tester = (
            self._smoke_tester(names.smoke_tester, role_arn(config, "dev", dev_roles.smoke_test_function))
            if smoke_test
            else None
        )

    # Roles ---------------------------------------------------------------------------------

    def _model_execution(
        self, name: str, key: kms.IKey, data_capture_bucket: s3.IBucket, subnet_ids: list[str], security_group_id: str
    ) -> iam.Role:
        role = iam.Role(
            self,
            "ModelExecution",
            role_name=name,
            description="Endpoint models: read registered artifacts from dev, write captured data",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
        )
        artifacts = f"arn:aws:s3:::{dev_bucket_name(self._config, 'artifacts')}"
        _allow(role, "ReadModelArtifacts", ["s3:GetObject"], [f"{artifacts}/{MODEL_ARTIFACT_PREFIX}*"])
        _allow(
            role,
            "DecryptModelArtifacts",
            ["kms:Decrypt"],
            [self._dev_key_pattern()],
            {"ForAnyValue:StringEquals": {"kms:ResourceAliases": artifact_key_alias(self._config)}},
        )
        region = self._stack.region
        _allow(
            role,
            "PullXgboostImage",
            ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            [f"arn:aws:ecr:{region}:{_xgboost_registry(region)}:repository/{XGBOOST_REPOSITORY}"],
        )
        _allow(role, "EcrAuthorization", ["ecr:GetAuthorizationToken"], ["*"])
        _allow(role, "WriteCapturedData", ["s3:PutObject"], [data_capture_bucket.arn_for_objects("*")])
        _allow(role, "EncryptCapturedData", ["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"], [key.key_arn])
        endpoint_logs = self._stack.format_arn(
            service="logs", resource="log-group", resource_name="/aws/sagemaker/Endpoints/*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        _allow(
            role,
            "EndpointLogs",
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            [endpoint_logs],
        )
        _allow(
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
        self._acknowledge(
            role,
            {
                **network_interfaces,
                "Resource::*": (
                    "ecr:GetAuthorizationToken, the EC2 Describe actions, ec2:DeleteNetworkInterfacePermission "
                    "(it names a permission, not an interface) and cloudwatch:PutMetricData support no "
                    "resource-level permissions; PutMetricData is held to SageMaker's endpoint namespaces by a "
                    "condition. Creating and deleting interfaces is held to the workload subnets."
                ),
                f"Resource::arn:aws:s3:::{dev_bucket_name(self._config, 'artifacts')}/{MODEL_ARTIFACT_PREFIX}*": (
                    "Every registered model version keeps its artifact below models/; which one an endpoint "
                    "loads is the package the pipeline deploys. Dev's bucket policy grants this role no more."
                ),
                f"Resource::{self._dev_key_pattern()}": (
                    "Dev's artifact key has a generated id in another account; the kms:ResourceAliases "
                    "condition holds the statement to the key carrying the platform's artifact alias."
                ),
                f"Resource::{as_nag_renders(self, data_capture_bucket.arn_for_objects('*'))}": (
                    "SageMaker writes captured requests under endpoint/variant/date keys it chooses; the "
                    "bucket holds nothing but captured data."
                ),
                f"Resource::arn:aws:logs:{region}:{self._stack.account}:log-group:/aws/sagemaker/Endpoints/*": (
                    "SageMaker names each endpoint's log group after the endpoint, below /aws/sagemaker/Endpoints/."
                ),
            },
        )
        return role

    def _cloudformation_execution(
        self, name: str, key: kms.IKey, setting_parameter_arns: list[str], autoscaling: bool
    ) -> iam.Role:
        role = iam.Role(
            self,
            "CloudFormationExecution",
            role_name=name,
            description="CloudFormation's service role for the Endpoint stacks the promotion pipeline deploys",
            assumed_by=iam.ServicePrincipal(
                "cloudformation.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": self._stack.account}}
            ),
        )
        wildcards = self._allow_sagemaker_resources(role, key)
        wildcards |= self._allow_alarms(role, autoscaling)
        if autoscaling:
            wildcards |= self._allow_autoscaling(role)
        if self._model_monitor_endpoints:
            wildcards |= self._allow_model_monitor(role)
        _allow(role, "ReadEndpointSettings", ["ssm:GetParameters"], setting_parameter_arns)
        self._acknowledge(role, wildcards)
        return role

    def _allow_sagemaker_resources(self, role: iam.Role, key: kms.IKey) -> dict[str, str]:
        config = self._config
        models = self._sagemaker_arn("model", "*")
        endpoint_configs = self._sagemaker_arn("endpoint-config", "*")
        endpoints = [self._sagemaker_arn("endpoint", endpoint_name(config, model.name)) for model in config.models]
        packages = [
            f"arn:aws:sagemaker:{config.region}:{self._dev}:model-package/"
            f"{model_package_group_name(config, model.name).lower()}/*"
            for model in config.models
        ]
        _allow(role, "Models", ["sagemaker:CreateModel", "sagemaker:DescribeModel", "sagemaker:DeleteModel"], [models])
        _allow(role, "ModelsFromDevRegistry", ["sagemaker:CreateModel", "sagemaker:DescribeModelPackage"], packages)
        _allow(
            role,
            "EndpointConfigs",
            ["sagemaker:CreateEndpointConfig", "sagemaker:DescribeEndpointConfig", "sagemaker:DeleteEndpointConfig"],
            [endpoint_configs],
        )
        _allow(
            role,
            "Endpoints",
            ["sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint", "sagemaker:DescribeEndpoint",
             "sagemaker:DeleteEndpoint"],
            [*endpoints, endpoint_configs],
        )
        _allow(
            role,
            "TagSageMakerResources",
            ["sagemaker:AddTags", "sagemaker:DeleteTags", "sagemaker:ListTags"],
            [models, endpoint_configs, *endpoints],
        )
        _allow(
            role,
            "PassModelExecutionRole",
            ["iam:PassRole"],
            [self.model_execution.role_arn],
            {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        )
        _allow(role, "DescribeServingKey", ["kms:DescribeKey"], [key.key_arn])
        # SageMaker encrypts endpoint volumes through a grant the creator of the endpoint makes.
        _allow(role, "GrantServingKeyToSageMaker", ["kms:CreateGrant"], [key.key_arn],
               {"Bool": {"kms:GrantIsForAWSResource": "true"}})
        generated = (
            "get CloudFormation-generated names so a new version never collides with the one it replaces; the "
            "statement is held to this account and region."
        )
        return {
            f"Resource::{models}": f"Models {generated}",
            f"Resource::{endpoint_configs}": f"Endpoint configs {generated}",
            **{
                f"Resource::{package}": (
                    "A model is created from whichever version of the model's registry group was approved; the "
                    "group's resource policy in dev decides which accounts may read it."
                )
                for package in packages
            },
        }

    def _allow_model_monitor(self, role: iam.Role) -> dict[str, str]:
        schedules = [self._sagemaker_arn("monitoring-schedule", f"{name}-*") for name in self._model_monitor_endpoints]
        definitions = [
            self._sagemaker_arn(f"{kind}-job-definition", f"{name}-*")
            for kind in MONITOR_KINDS
            for name in self._model_monitor_endpoints
        ]
        _allow(
            role,
            "ModelMonitorSchedules",
            ["sagemaker:CreateMonitoringSchedule", "sagemaker:UpdateMonitoringSchedule",
             "sagemaker:DescribeMonitoringSchedule", "sagemaker:DeleteMonitoringSchedule"],
            schedules,
        )
        _allow(
            role,
            "ModelMonitorJobDefinitions",
            [f"sagemaker:{verb}{kind}JobDefinition" for kind in MONITOR_KINDS.values()
             for verb in ("Create", "Describe", "Delete")],
            definitions,
        )
        _allow(
            role,
            "TagModelMonitorResources",
            ["sagemaker:AddTags", "sagemaker:DeleteTags", "sagemaker:ListTags"],
            [*schedules, *definitions],
        )
        _allow(
            role,
            "PassMonitoringJobRole",
            ["iam:PassRole"],
            [self._stack.format_arn(
                service="iam", region="", resource="role", resource_name=serving_role_names(self._config).monitoring_job
            )],
            {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        )
        return {
            f"Resource::{resource}": (
                "Model Monitor schedules and job definitions are named after their endpoint; job definitions also "
                "carry the served version, and a new version's definitions replace the old ones."
            )
            for resource in (*schedules, *definitions)
        }

    def _allow_alarms(self, role: iam.Role, autoscaling: bool) -> dict[str, str]:
        config = self._config
        names = [rollback_alarm_name(config, model.name, "*") for model in config.models]
        if autoscaling:
            # Target tracking creates its alarms with the caller's permissions, named after the endpoint.
            names += [f"TargetTracking-endpoint/{endpoint_name(config, model.name)}/*" for model in config.models]
        alarms = [
            self._stack.format_arn(
                service="cloudwatch", resource="alarm", resource_name=alarm, arn_format=ArnFormat.COLON_RESOURCE_NAME
            )
            for alarm in names
        ]
        _allow(
            role,
            "Alarms",
            ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource",
             "cloudwatch:UntagResource", "cloudwatch:ListTagsForResource"],
            alarms,
        )
        _allow(role, "DescribeAlarms", ["cloudwatch:DescribeAlarms"], ["*"])
        return {
            **{
                f"Resource::{alarm}": (
                    "Rollback alarms share the model's rollback- prefix; target-tracking alarms are named by "
                    "Application Auto Scaling after the endpoint, with a generated suffix."
                )
                for alarm in alarms
            },
            "Resource::*": (
                "cloudwatch:DescribeAlarms and Application Auto Scaling's Describe actions support no "
                "resource-level permissions."
            ),
        }

    def _allow_autoscaling(self, role: iam.Role) -> dict[str, str]:
        scalable_targets = self._stack.format_arn(
            service="application-autoscaling", resource="scalable-target", resource_name="*"
        )
        _allow(
            role,
            "EndpointAutoscaling",
            [
                "application-autoscaling:RegisterScalableTarget", "application-autoscaling:DeregisterScalableTarget",
                "application-autoscaling:PutScalingPolicy", "application-autoscaling:DeleteScalingPolicy",
            ],
            [scalable_targets],
            {
                "StringEquals": {
                    "application-autoscaling:service-namespace": "sagemaker",
                    "application-autoscaling:scalable-dimension": ENDPOINT_SCALABLE_DIMENSION,
                }
            },
        )
        # The scalable target carries the platform's tags from creation. Tagging requests have no
        # service-namespace or dimension keys, so these are held to the targets by ARN only.
        _allow(
            role,
            "TagScalableTargets",
            ["application-autoscaling:TagResource", "application-autoscaling:UntagResource",
             "application-autoscaling:ListTagsForResource"],
            [scalable_targets],
        )
        _allow(
            role,
            "DescribeAutoscaling",
            ["application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingPolicies"],
            ["*"],
        )
        linked_role = f"arn:aws:iam::{self._stack.account}:role/aws-service-role/{AUTOSCALING_SERVICE}/*"
        _allow(
            role,
            "AutoscalingServiceLinkedRole",
            ["iam:CreateServiceLinkedRole"],
            [linked_role],
            {"StringEquals": {"iam:AWSServiceName": AUTOSCALING_SERVICE}},
        )
        return {
            f"Resource::{linked_role}": (
                "Application Auto Scaling's service-linked role for SageMaker endpoints has a name AWS chooses."
            ),
            f"Resource::{scalable_targets}": (
                "A scalable target's ARN ends with an id Application Auto Scaling generates; conditions hold "
                "registering and scaling to SageMaker endpoint variants' instance counts, and tagging is held to "
                "this account's scalable targets."
            ),
        }

    def _endpoint_deployer(self, name: str, pipeline_role_arn: str, setting_parameter_arns: list[str]) -> iam.Role:
        config = self._config
        role = iam.Role(
            self,
            "EndpointDeployer",
            role_name=name,
            description="Dev's promotion pipeline deploys the Endpoint stacks through this role",
            assumed_by=iam.AccountPrincipal(self._dev).with_conditions(
                {"ArnEquals": {"aws:PrincipalArn": pipeline_role_arn}}
            ),
        )
        stacks = [
            self._stack.format_arn(
                service="cloudformation", resource="stack",
                resource_name=f"{endpoint_stack_name(config, model.name)}/*",
            )
            for model in config.models
        ]
        _allow(
            role,
            "DeployEndpointStacks",
            [
                "cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:DescribeStacks",
                "cloudformation:DescribeStackEvents", "cloudformation:GetTemplate",
                "cloudformation:GetStackPolicy", "cloudformation:SetStackPolicy",
            ],
            stacks,
        )
        # The pipeline's REPLACE_ON_FAILURE deploy deletes an Endpoint stack that a failed deploy
        # left in ROLLBACK_COMPLETE (or another failed state), then creates it again.
        _allow(role, "ReplaceFailedEndpointStacks", ["cloudformation:DeleteStack"], stacks)
        _allow(role, "ValidateTemplates", ["cloudformation:ValidateTemplate"], ["*"])
        _allow(
            role,
            "PassCloudFormationExecutionRole",
            ["iam:PassRole"],
            [self.cloudformation_execution.role_arn],
            {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}},
        )
        _allow(role, "ReadEndpointSettings", ["ssm:GetParameters"], setting_parameter_arns)
        artifacts = f"arn:aws:s3:::{promotion_artifact_bucket_name(config)}"
        _allow(role, "ReadPipelineArtifacts", ["s3:GetObject", "s3:GetObjectVersion"], [f"{artifacts}/*"])
        _allow(
            role,
            "DecryptPipelineArtifacts",
            ["kms:Decrypt"],
            [self._dev_key_pattern()],
            {"ForAnyValue:StringEquals": {"kms:ResourceAliases": promotion_artifact_key_alias(config)}},
        )
        self._acknowledge(
            role,
            {
                **{
                    f"Resource::{stack}": "A stack's ARN ends with an id CloudFormation generates at creation."
                    for stack in stacks
                },
                "Resource::*": "cloudformation:ValidateTemplate supports no resource-level permissions.",
                f"Resource::{artifacts}/*": (
                    "Pipeline artifacts get generated keys per execution; the bucket holds nothing but the "
                    "promotion pipelines' artifacts."
                ),
                f"Resource::{self._dev_key_pattern()}": (
                    "Dev's promotion artifact key has a generated id in another account; the kms:ResourceAliases "
                    "condition holds the statement to the key carrying the promotion artifact alias."
                ),
            },
        )
        return role

    def _smoke_tester(self, name: str, function_role_arn: str) -> iam.Role:
        role = iam.Role(
            self,
            "SmokeTester",
            role_name=name,
            description="Dev's smoke-test function invokes the endpoints through this role",
            assumed_by=iam.AccountPrincipal(self._dev).with_conditions(
                {"ArnEquals": {"aws:PrincipalArn": function_role_arn}}
            ),
        )
        _allow(
            role,
            "InvokeModelEndpoints",
            ["sagemaker:InvokeEndpoint"],
            [self._sagemaker_arn("endpoint", endpoint_name(self._config, model.name)) for model in self._config.models],
        )
        return role

    # Helpers -------------------------------------------------------------------------------

    def _sagemaker_arn(self, resource: str, name: str) -> str:
        # SageMaker ARNs carry resource names in lower case.
        return self._stack.format_arn(service="sagemaker", resource=resource, resource_name=name.lower())

    def _dev_key_pattern(self) -> str:
        return f"arn:aws:kms:{self._config.region}:{self._dev}:key/*"

    @staticmethod
    def _acknowledge(role: iam.Role, wildcards: dict[str, str]) -> None:
        for finding, reason in wildcards.items():
            acknowledge(role, f"AwsSolutions-IAM5[{finding}]", reason)


def _allow(role: iam.Role, sid: str, actions: list[str], resources: list[str], conditions: dict | None = None) -> None:
    role.add_to_principal_policy(iam.PolicyStatement(sid=sid, actions=actions, resources=resources, conditions=conditions))


def _xgboost_registry(region: str) -> str:
    # SageMaker publishes its XGBoost and SKLearn images from one registry account per region
    # (the SDK's tables agree; tests/infra/test_serving_foundation.py checks it).
    return REGISTRIES[region][0]
