"""StudioStack (dev, stateful): the workbench.

- ``key``: encrypts the spaces' volumes and the cleanup function's logs (rotated).
- ``domain``: a VPC-only Studio domain (see ``StudioDomain``) whose default
  execution role may only look around.
- one execution role (``roles``) and one user profile (``profiles``) per persona of
  ``config.studio.personas``, each role scoped to what the persona does
  (``persona_policies``), granting model resources by naming rule: the stack names no model.
- ``StudioCleanup``, when the domain is destroyed with the stack: deletes apps and
  spaces first, so the deletion does not fail on them.

Removal policy from the dev account config.
"""

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from stacks.account_settings import log_retention_of, removal_policy_of
from stacks.components.persona_policies import PERSONA_POLICIES, StudioScope, studio_user
from stacks.components.persona_role import PersonaRole
from stacks.components.platform_network import PlatformNetwork
from stacks.components.studio_cleanup import StudioCleanup
from stacks.components.studio_domain import StudioDomain
from stacks.components.log_encryption import allow_logs_to_encrypt_with
from platform_config.construct_ids import pascal
from platform_config import PlatformConfig
from platform_config.naming import (
    ANY_MODEL,
    ATHENA_RESULTS_PREFIX,
    MLFLOW_ARTIFACT_PREFIX,
    athena_workgroup_name,
    ingestion_pipeline_name,
    offline_store_database_name,
    PLATFORM_TAG_KEY,
    dev_bucket_name,
    model_package_group_name,
    promotion_pipeline_name,
    studio_domain_name,
    studio_user_profile_name,
    tracking_server_name,
)


class StudioStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        network: PlatformNetwork,
        data_key: kms.IKey,
        artifact_key: kms.IKey,
        offline_store_role: iam.IRole,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        account = config.accounts.dev
        removal_policy = removal_policy_of(account)
        self.key = kms.Key(
            self,
            "Key",
            description="Studio spaces' volumes and the Studio cleanup function's logs",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        allow_logs_to_encrypt_with(self.key)
        default_role = PersonaRole(
            self, "DefaultExecutionRole", description="Studio users and shared spaces without a persona: read only"
        )
        self.domain = StudioDomain(
            self,
            "Domain",
            domain_name=studio_domain_name(config),
            network=network,
            key=self.key,
            default_role=default_role.role,
            idle_timeout_minutes=config.studio.idle_timeout_minutes,
            removal_policy=removal_policy,
        )
        studio_scope = StudioScope(
            region=self.region,
            account=self.account,
            domain_id=self.domain.domain_id,
            studio_key_arn=self.key.key_arn,
            data_key_arn=data_key.key_arn,
            artifact_key_arn=artifact_key.key_arn,
            raw_bucket=dev_bucket_name(config, "raw"),
            curated_bucket=dev_bucket_name(config, "curated"),
            artifact_bucket=dev_bucket_name(config, "artifacts"),
            feature_groups=tuple(group.name.lower() for group in config.feature_groups),
            model_package_group_pattern=model_package_group_name(config, ANY_MODEL).lower(),
            promotion_pipeline_pattern=promotion_pipeline_name(config, ANY_MODEL),
            resource_prefix=config.name,
            platform_tag=(PLATFORM_TAG_KEY, config.name),
            subnet_ids=network.vpc.select_subnets(subnet_type=network.subnets.subnet_type).subnet_ids,
            security_group_id=network.workload_security_group.security_group_id,
            offline_store_role_arn=offline_store_role.role_arn,
            athena_workgroup=athena_workgroup_name(config),
            athena_results_prefix=ATHENA_RESULTS_PREFIX,
            offline_store_database=offline_store_database_name(config),
            ingestion_pipeline_pattern=ingestion_pipeline_name(config, "*").lower(),
            tracking_server_name=tracking_server_name(config) if config.experiments.enabled else None,
            mlflow_artifact_prefix=MLFLOW_ARTIFACT_PREFIX,
        )
        default_role.grant(studio_user(studio_scope, profile_name=None))
        self.roles: dict[str, iam.IRole] = {}
        self.profiles: dict[str, sagemaker.CfnUserProfile] = {}
        for persona in config.studio.personas:
            profile_name = studio_user_profile_name(persona)
            construct_id = pascal(persona)
            role = PersonaRole(self, f"{construct_id}Role", description=f"Studio execution role of the {profile_name}")
            role.grant(studio_user(studio_scope, profile_name), *PERSONA_POLICIES[persona](studio_scope))
            profile = sagemaker.CfnUserProfile(
                self,
                f"{construct_id}Profile",
                domain_id=self.domain.domain_id,
                user_profile_name=profile_name,
                user_settings=sagemaker.CfnUserProfile.UserSettingsProperty(execution_role=role.role.role_arn),
            )
            profile.apply_removal_policy(removal_policy)
            self.roles[persona] = role.role
            self.profiles[persona] = profile
        if removal_policy == RemovalPolicy.DESTROY:
            StudioCleanup(
                self,
                "Cleanup",
                domain=self.domain.domain,
                profiles=list(self.profiles.values()),
                log_key=self.key,
                log_retention=log_retention_of(account),
            )
