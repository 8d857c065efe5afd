"""PromotionFunctions (dev): the Lambda functions promotion pipelines invoke between deployments.

- ``smoke_test`` (``lambdas/smoke_test``, without ``samples/``): assumes staging's
  ``smoke_tester`` and invokes the staging endpoint with the model's samples, read from
  the job's ``Source`` input artifact. Its role has the fixed name
  ``promotion_role_names(config).smoke_test_function``, the only principal
  staging's smoke tester trusts;
- ``recorder`` (``lambdas/deployment_recorder``): notes a deployment (account,
  endpoint, time, pipeline execution) on the model version. It may describe the
  versions of the platform's registry groups (``<name>-*``) and update them only with requests
  that set no approval status or lifecycle stage and remove no metadata (its own
  identity policy says so, whatever the group policy), and nothing else of the
  registry;
- ``approval_check`` (``lambdas/approval_check``): fails the job unless the
  version is ``Approved`` and belongs to the model's group; for a release with a
  candidate, names the version the stage serves. It may only describe the versions of
  the platform's registry groups, and list versions;
- ``shadow_verdict`` (``lambdas/shadow_verdict``): after a model's shadow period, assumes
  prod's ``shadow_verdict_reader`` and judges the shadow against the served version on
  the captured traffic and latency. Its role has the fixed name
  ``promotion_role_names(config).shadow_verdict_function``, the only principal that
  reader trusts.

Each is named ``promotion_function_name`` (the model stacks' pipelines invoke them by
name) and may report its outcome to CodePipeline (``PutJobSuccessResult`` /
``PutJobFailureResult``). Exposes ``smoke_test``,
``recorder``, ``approval_check`` and ``shadow_verdict`` (functions).
"""

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.components.nag import acknowledge
from stacks.components.platform_function import PlatformFunction
from platform_config import PlatformConfig
from stacks.cross_account import promotion_role_names, role_arn, serving_role_names
from platform_config.naming import ANY_MODEL, model_package_group_name, promotion_function_name, serving_parameter_name
from stacks.components.endpoint_settings import DATA_CAPTURE_BUCKET

# A pipeline runs one action of each at a time; a second slot covers a retry.
RESERVED_CONCURRENCY = 2
# Each function answers its CodePipeline job through this module of ``lambdas/shared``.
JOB_MODULE = "codepipeline_job"
SMOKE_TEST_TIMEOUT = Duration.minutes(5)
# Each invocation of a shadow period answers within seconds; the last reads up to prod_reads.MAX_FILES captures.
SHADOW_VERDICT_TIMEOUT = Duration.minutes(10)
SHADOW_VERDICT_MEMORY_MB = 1024
# UpdateModelPackage condition keys of what the recorder never sends: it adds metadata entries and
# nothing else. (SourceUri, InferenceSpecification and ModelCard have no condition key.)
RECORDER_FORBIDDEN_KEYS = (
    "sagemaker:ModelApprovalStatus",
    "sagemaker:CustomerMetadataPropertiesToRemove",
    "sagemaker:ModelLifeCycle:Stage",
    "sagemaker:ModelLifeCycle:StageStatus",
)


class PromotionFunctions(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        key: kms.IKey,
        removal_policy: RemovalPolicy,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        common = {
            "log_key": key, "log_retention": log_retention, "removal_policy": removal_policy,
            "reserved_concurrency": RESERVED_CONCURRENCY, "shared_modules": (JOB_MODULE,),
        }
        smoke_tester = role_arn(config, "staging", serving_role_names(config).smoke_tester)
        self.smoke_test = PlatformFunction(
            self,
            "SmokeTest",
            handler_folder="smoke_test",
            function_name=promotion_function_name(config, "smoke-test"),
            # Each model's samples come with the job (the Source artifact), not with the function.
            not_shipped=("samples",),
            description="Invokes the staging endpoint with test samples and checks schema, errors and latency",
            environment={"SMOKE_TESTER_ROLE_ARN": smoke_tester},
            timeout=SMOKE_TEST_TIMEOUT,
            **common,
        ).function
        # Staging's smoke tester trusts this role by name (aws:PrincipalArn).
        self.smoke_test.role.node.default_child.add_property_override(
            "RoleName", promotion_role_names(config).smoke_test_function
        )
        self.smoke_test.add_to_role_policy(
            iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[smoke_tester])
        )
        self.recorder = PlatformFunction(
            self,
            "DeploymentRecorder",
            handler_folder="deployment_recorder",
            function_name=promotion_function_name(config, "deployment-recorder"),
            description="Records a deployment of a model version (account, endpoint, time, execution) on the version",
            **common,
        ).function
        self.approval_check = PlatformFunction(
            self,
            "ApprovalCheck",
            handler_folder="approval_check",
            function_name=promotion_function_name(config, "approval-check"),
            description="Fails the promotion unless the model version is Approved and belongs to the model's group",
            **common,
        ).function
        shadow_reader = role_arn(config, "prod", serving_role_names(config).shadow_verdict_reader)
        self.shadow_verdict = PlatformFunction(
            self,
            "ShadowVerdict",
            handler_folder="shadow_verdict",
            function_name=promotion_function_name(config, "shadow-verdict"),
            description="After a shadow period, compares the shadow's answers and latency with the served version's",
            environment={
                "SHADOW_READER_ROLE_ARN": shadow_reader,
                "CAPTURE_BUCKET_PARAMETER": serving_parameter_name(config, DATA_CAPTURE_BUCKET),
            },
            timeout=SHADOW_VERDICT_TIMEOUT,
            memory_size=SHADOW_VERDICT_MEMORY_MB,
            **common,
        ).function
        # Prod's reader trusts this role by name (aws:PrincipalArn).
        self.shadow_verdict.role.node.default_child.add_property_override(
            "RoleName", promotion_role_names(config).shadow_verdict_function
        )
        self.shadow_verdict.add_to_role_policy(iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[shadow_reader]))
        for function in (self.smoke_test, self.recorder, self.approval_check, self.shadow_verdict):
            # The invoke actions live in the model stacks and refer to the functions by name,
            # so the functions hold their answer to CodePipeline themselves.
            function.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["codepipeline:PutJobSuccessResult", "codepipeline:PutJobFailureResult"], resources=["*"]
                )
            )
            acknowledge(
                function,
                "AwsSolutions-IAM5[Resource::*]",
                "Besides X-Ray's actions, CodePipeline's PutJobSuccessResult and PutJobFailureResult "
                "support no resource-level permissions; the job id in the call scopes them."
                + (" sagemaker:ListModelPackages has no resource type either: the check lists the versions of "
                   "the group it is given, and may describe only the platform's." if function is self.approval_check
                   else ""),
            )
        stack = Stack.of(self)
        # Every group of the platform, by the naming rule: a new model needs no change here.
        versions = [
            stack.format_arn(
                service="sagemaker", resource="model-package",
                resource_name=f"{model_package_group_name(config, ANY_MODEL).lower()}/*",
            )
        ]
        self.recorder.add_to_role_policy(
            iam.PolicyStatement(sid="DescribeVersions", actions=["sagemaker:DescribeModelPackage"], resources=versions)
        )
        # The group policy's Deny is documented for cross-account callers; this role is in dev,
        # so its own policy holds it to adding metadata entries.
        self.recorder.add_to_role_policy(
            iam.PolicyStatement(
                sid="RecordDeploymentsOnly",
                actions=["sagemaker:UpdateModelPackage"],
                resources=versions,
                conditions={"Null": {key: "true" for key in RECORDER_FORBIDDEN_KEYS}},
            )
        )
        self.approval_check.add_to_role_policy(
            iam.PolicyStatement(actions=["sagemaker:DescribeModelPackage"], resources=versions)
        )
        # The version a stage serves is found among the group's versions (approval_check/served_version.py).
        self.approval_check.add_to_role_policy(iam.PolicyStatement(actions=["sagemaker:ListModelPackages"], resources=["*"]))
        for pattern in versions:
            acknowledge(
                self.recorder,
                f"AwsSolutions-IAM5[Resource::{pattern}]",
                "Any version of the platform's registry groups (named <platform>-<model>) may be deployed and "
                "recorded; the role's own "
                "policy allows only updates that set no approval status or lifecycle and remove no metadata, "
                "and the group's policy denies it setting an approval status.",
            )
            acknowledge(
                self.approval_check,
                f"AwsSolutions-IAM5[Resource::{pattern}]",
                "Any version of the platform's registry groups (named <platform>-<model>) may be promoted, so "
                "any may be checked; the role can only describe them.",
            )
