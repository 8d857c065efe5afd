"""RegistryStack (dev, stateful): one model package group per configured model.

Each group (named by ``model_package_group_name``) is readable by the staging and
prod CloudFormation execution roles only (they create the endpoints' models from
its versions; see ``ServingRoles``), its versions listable and describable by the
model's own monitoring job roles (each drift run looks up the baseline of the versions it saw), and only ``approver_role`` may set a
version's approval status (see ``ModelPackageGroup``). Removal policy from the dev account config; a group
that still holds versions cannot be deleted (SageMaker refuses), so delete its
versions first when tearing dev down.
"""

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from stacks.account_settings import removal_policy_of
from stacks.components.model_package_group import ModelPackageGroup
from platform_config import PlatformConfig
from stacks.cross_account import cloudformation_execution_role_arns, monitoring_job_role_arns
from platform_config.naming import model_package_group_name


class RegistryStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: PlatformConfig, approver_role: iam.IRole, **kwargs
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.groups = {
            model.name: ModelPackageGroup(
                self,
                "".join(part.capitalize() for part in model.name.split("-")),
                name=model_package_group_name(config, model.name),
                description=model.description or f"Versions of the {model.name} model",
                reader_role_arns=cloudformation_execution_role_arns(config),
                monitoring_role_arns=monitoring_job_role_arns(config, model.name),
                approver_role_arn=approver_role.role_arn,
                removal_policy=removal_policy_of(config.accounts.dev),
            )
            for model in config.models
        }
