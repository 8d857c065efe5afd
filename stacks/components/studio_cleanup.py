"""StudioCleanup: a stack deletion that does not hang on a Studio domain's running apps.

CloudFormation cannot delete a user profile that still has apps or spaces, nor a
domain that still has profiles. This construct creates:

- the function of ``lambdas/studio_cleanup`` (a ``PlatformFunction``), which may
  list the domain's apps and spaces and delete them, and nothing else;
- a ``Custom::StudioCleanup`` resource with the domain's id, depending on the domain
  and on every one of ``profiles``, so CloudFormation deletes it first: its Delete
  deletes the apps, then the spaces, waits until they are gone (bounded by the
  function's timeout) and fails with the leftovers named if they are not. Create
  and Update do nothing.

Only for domains that are destroyed with their stack: a retained domain keeps its
spaces and their files. Exposes ``function``, ``policy`` and ``resource``.
"""

from aws_cdk import CustomResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from stacks.components.nag import acknowledge, as_nag_renders
from stacks.components.platform_function import PlatformFunction

# The function answers CloudFormation before its own timeout (it keeps a margin),
# so the custom resource's service timeout only matters if the function crashes.
FUNCTION_TIMEOUT = Duration.minutes(14)
SERVICE_TIMEOUT = Duration.minutes(16)


class StudioCleanup(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain: sagemaker.CfnDomain,
        profiles: list[sagemaker.CfnUserProfile],
        log_key: kms.IKey,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.function = PlatformFunction(
            self,
            "Function",
            handler_folder="studio_cleanup",
            description="Deletes a Studio domain's apps and spaces when its stack is deleted",
            log_key=log_key,
            log_retention=log_retention,
            removal_policy=RemovalPolicy.DESTROY,
            timeout=FUNCTION_TIMEOUT,
            reserved_concurrency=1,
        ).function
        apps = stack.format_arn(service="sagemaker", resource="app", resource_name=f"{domain.attr_domain_id}/*")
        spaces = stack.format_arn(service="sagemaker", resource="space", resource_name=f"{domain.attr_domain_id}/*")
        # A policy of its own (not the function's default one), so its findings carry their own reasons
        # and the custom resource can depend on it: the permissions must outlive the Delete call.
        self.policy = iam.Policy(
            self,
            "Permissions",
            roles=[self.function.role],
            statements=[
                iam.PolicyStatement(
                    sid="DeleteDomainAppsAndSpaces",
                    actions=["sagemaker:DeleteApp", "sagemaker:DescribeApp", "sagemaker:DeleteSpace",
                             "sagemaker:DescribeSpace"],
                    resources=[apps, spaces],
                ),
                iam.PolicyStatement(
                    sid="ListAppsAndSpaces", actions=["sagemaker:ListApps", "sagemaker:ListSpaces"], resources=["*"]
                ),
            ],
        )
        for resource in (apps, spaces):
            acknowledge(
                self.policy,
                f"AwsSolutions-IAM5[Resource::{as_nag_renders(self, resource)}]",
                "Users name their spaces and apps at run time; the function may delete those of this domain only.",
            )
        acknowledge(
            self.policy,
            "AwsSolutions-IAM5[Resource::*]",
            "sagemaker:ListApps and sagemaker:ListSpaces support no resource-level permissions; the function "
            "filters them by the domain id.",
        )
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.function.function_arn,
            resource_type="Custom::StudioCleanup",
            properties={"DomainId": domain.attr_domain_id},
            service_timeout=SERVICE_TIMEOUT,
        )
        # Deleted before the profiles (and so before the domain): apps and spaces block both.
        for profile in profiles:
            self.resource.node.add_dependency(profile)
        self.resource.node.add_dependency(self.policy)
