"""StudioDomain: a SageMaker Studio domain that only reaches AWS through the VPC.

Creates an ``AWS::SageMaker::Domain`` with:

- IAM sign-in and ``VpcOnly`` network access in ``network``'s workload subnets and
  security group (users, spaces and apps);
- the current Studio experience (``StudioWebPortal`` ENABLED, landing on ``studio::``),
  with Studio Classic's app types hidden: its apps have no idle shutdown here;
- idle shutdown of JupyterLab and Code Editor apps after ``idle_timeout_minutes``
  (users may choose a shorter timeout, never a longer one);
- no home EFS file system: spaces keep their files on their own EBS volumes, so
  deleting the domain leaves no file system or NFS security groups behind;
- ``key`` encrypting the spaces' volumes;
- ``default_role`` as the execution role of users and shared spaces without one of their own.

Removal policy as given. Exposes ``domain`` (the L1), ``domain_id`` and ``domain_arn``.
"""

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from stacks.components.platform_network import PlatformNetwork

# The shortest idle timeout SageMaker accepts for an app.
MIN_IDLE_TIMEOUT_MINUTES = 60
# Studio Classic, whose kernels have no idle shutdown here.
HIDDEN_APP_TYPES = ("JupyterServer",)


class StudioDomain(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain_name: str,
        network: PlatformNetwork,
        key: kms.IKey,
        default_role: iam.IRole,
        idle_timeout_minutes: int,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        security_groups = [network.workload_security_group.security_group_id]
        idle_shutdown = sagemaker.CfnDomain.AppLifecycleManagementProperty(
            idle_settings=sagemaker.CfnDomain.IdleSettingsProperty(
                lifecycle_management="ENABLED",
                idle_timeout_in_minutes=idle_timeout_minutes,
                min_idle_timeout_in_minutes=MIN_IDLE_TIMEOUT_MINUTES,
                max_idle_timeout_in_minutes=idle_timeout_minutes,
            )
        )
        self.domain = sagemaker.CfnDomain(
            self,
            "Resource",
            domain_name=domain_name,
            auth_mode="IAM",
            app_network_access_type="VpcOnly",
            vpc_id=network.vpc.vpc_id,
            subnet_ids=network.vpc.select_subnets(subnet_type=network.subnets.subnet_type).subnet_ids,
            kms_key_id=key.key_arn,
            home_efs_file_system_creation="Disabled",
            default_user_settings=sagemaker.CfnDomain.UserSettingsProperty(
                execution_role=default_role.role_arn,
                security_groups=security_groups,
                studio_web_portal="ENABLED",
                default_landing_uri="studio::",
                studio_web_portal_settings=sagemaker.CfnDomain.StudioWebPortalSettingsProperty(
                    hidden_app_types=list(HIDDEN_APP_TYPES)
                ),
                jupyter_lab_app_settings=sagemaker.CfnDomain.JupyterLabAppSettingsProperty(
                    app_lifecycle_management=idle_shutdown
                ),
                code_editor_app_settings=sagemaker.CfnDomain.CodeEditorAppSettingsProperty(
                    app_lifecycle_management=idle_shutdown
                ),
            ),
            default_space_settings=sagemaker.CfnDomain.DefaultSpaceSettingsProperty(
                execution_role=default_role.role_arn,
                security_groups=security_groups,
                jupyter_lab_app_settings=sagemaker.CfnDomain.JupyterLabAppSettingsProperty(
                    app_lifecycle_management=idle_shutdown
                ),
            ),
        )
        self.domain.apply_removal_policy(removal_policy)
        self.domain_id = self.domain.attr_domain_id
        self.domain_arn = self.domain.attr_domain_arn
