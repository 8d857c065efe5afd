"""ServingRoles (staging, prod): the fixed-name roles dev's promotion pipeline relies on.

Names come from ``serving_role_names``, because dev's policies and pipeline refer
to them by ARN. Trust in dev uses the dev account as principal with an
``aws:PrincipalArn`` condition on a fixed role name, so either side may be
deployed first. Every grant names models by the platform's naming convention
(``ANY_MODEL`` patterns), never by a list of models: the template is the same for
one model or sixty, and a new model needs no change here.

- ``model_execution``: what endpoint models run as (``model_execution_role``);
- ``cloudformation_execution``: CloudFormation's role for the Endpoint stacks
  (``cloudformation_execution_role``), endpoint autoscaling when ``autoscaling``;
- ``endpoint_deployer``: assumed by dev's promotion pipeline role only; deploys the
  Endpoint stacks as ``cloudformation_execution`` (``endpoint_deployer_role``);
- ``smoke_tester`` (when ``smoke_test``): assumed by dev's smoke-test function only;
  invokes the platform's endpoints (``smoke_tester_role``);
- ``shadow_verdict_reader`` (when ``shadow_verdict``, prod): assumed by dev's shadow-verdict
  function only; reads the platform's endpoint captures and metric data
  (``shadow_verdict_reader_role``), whether or not a model uses a shadow release, so choosing
  one changes no shared stack.

The deployer and the CloudFormation role read the SSM parameters Endpoint stacks
resolve: ``setting_parameter_arns`` and the monitoring bucket's (Endpoint stacks with
Model Monitor schedules read it). Exposes ``model_execution``, ``endpoint_deployer``,
``cloudformation_execution``, ``smoke_tester`` (``None`` without ``smoke_test``) and
``shadow_verdict_reader`` (``None`` without ``shadow_verdict``).
"""

from aws_cdk import Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from platform_config import PlatformConfig
from platform_config.naming import serving_parameter_name
from stacks.components.endpoint_settings import DATA_CAPTURE_BUCKET
from stacks.components.endpoint_cfn_execution_role import cloudformation_execution_role
from stacks.components.endpoint_deployer_role import endpoint_deployer_role
from stacks.components.model_execution_role import model_execution_role
from stacks.components.monitoring_settings import MONITORING_BUCKET
from stacks.components.shadow_verdict_reader_role import shadow_verdict_reader_role
from stacks.components.smoke_tester_role import smoke_tester_role
from stacks.cross_account import promotion_role_names, role_arn, serving_role_names


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
        shadow_verdict: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        monitoring_bucket_parameter = Stack.of(self).format_arn(
            service="ssm", resource="parameter",
            resource_name=serving_parameter_name(config, MONITORING_BUCKET).removeprefix("/"),
        )
        setting_parameter_arns = [*setting_parameter_arns, monitoring_bucket_parameter]
        names = serving_role_names(config)
        dev_roles = promotion_role_names(config)
        self.model_execution = model_execution_role(
            self, "ModelExecution", config=config, name=names.model_execution, key=key,
            data_capture_bucket=data_capture_bucket, subnet_ids=subnet_ids, security_group_id=security_group_id,
        )
        self.cloudformation_execution = cloudformation_execution_role(
            self, "CloudFormationExecution", config=config, name=names.cloudformation_execution, key=key,
            model_execution=self.model_execution, setting_parameter_arns=setting_parameter_arns,
            autoscaling=autoscaling,
        )
        self.endpoint_deployer = endpoint_deployer_role(
            self, "EndpointDeployer", config=config, name=names.endpoint_deployer,
            pipeline_role_arn=role_arn(config, "dev", dev_roles.pipeline),
            cloudformation_execution=self.cloudformation_execution, setting_parameter_arns=setting_parameter_arns,
        )
        self.smoke_tester = (
            smoke_tester_role(
                self, "SmokeTester", config=config, name=names.smoke_tester,
                function_role_arn=role_arn(config, "dev", dev_roles.smoke_test_function),
            )
            if smoke_test
            else None
        )
        self.shadow_verdict_reader = (
            shadow_verdict_reader_role(
                self, "ShadowVerdictReader", config=config, name=names.shadow_verdict_reader,
                function_role_arn=role_arn(config, "dev", dev_roles.shadow_verdict_function),
                data_capture_bucket=data_capture_bucket, key=key,
                capture_bucket_parameter_arn=Stack.of(self).format_arn(
                    service="ssm", resource="parameter",
                    resource_name=serving_parameter_name(config, DATA_CAPTURE_BUCKET).removeprefix("/"),
                ),
            )
            if shadow_verdict
            else None
        )
