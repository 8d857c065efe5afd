"""BuildPipelineCi: git push → tests → render, upsert and start each model's SageMaker pipeline.

Creates a CodePipeline (V2) with two stages:

- ``Source``: the repository of ``source``. With CodeConnections (GitHub, GitLab,
  Bitbucket), a push trigger filtered on the branch and on ``TRIGGER_PATHS``, the
  files that change a model; with CodeCommit (an existing repository, by name), the
  EventBridge rule on the branch CodePipeline uses for CodeCommit (its events carry no
  file paths, so every push to the branch starts it).
- ``Build``: one CodeBuild project per model (``targets``), running the repository's
  ``buildspecs/model_build.yml`` with the model's pipeline name, pipeline role ARN,
  artifact bucket and key, and the ``network`` its jobs run in (``SECURITY_GROUP_ID``,
  comma-separated ``SUBNET_IDS``) in its environment and the git commit as ``GIT_COMMIT``.

Pipeline artifacts (the repository's source zips) go to a store of the CI pipeline's
own: ``artifact_store`` (a ``SecureBucket``, access logs to ``access_log_bucket``)
encrypted with ``artifact_store_key`` (rotated), which also encrypts build outputs
and the build log group (``log_retention``). The ML ``artifact_bucket`` and
``artifact_key`` are not the pipeline's: a build may only write its model's
``code_prefix`` there (``s3:PutObject``, ``kms:GenerateDataKey``), and the pipeline
role gets nothing of them, so code from the repository can neither read training
outputs nor delete the models prod serves. Each build may upsert and start only its
own SageMaker pipeline and pass only that pipeline's role.

CodeBuild runs outside the VPC: the build installs pinned packages from PyPI and the
dev VPC has no internet path by design; the build reads no data, only calls AWS APIs.

Exposes ``pipeline``, ``projects`` (by model name), ``artifact_store`` and ``artifact_store_key``.
"""

from dataclasses import dataclass

from aws_cdk import Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codecommit as codecommit
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.components.code_connection import allow_use_connection
from stacks.construct_ids import pascal
from stacks.components.nag import acknowledge, as_nag_renders
from stacks.components.platform_network import PlatformNetwork
from stacks.components.secure_bucket import SecureBucket
from platform_config.platform import Source

BUILDSPEC = "buildspecs/model_build.yml"
# Pushes that touch nothing else (docs, infrastructure, lambdas) do not retrain.
TRIGGER_PATHS = ("pipelines_src/**", "config/**", "data/**", "buildspecs/**")
SOURCE_ACTION_NAME = "Source"


@dataclass(frozen=True)
class BuildTarget:
    """A model whose SageMaker pipeline the build renders, upserts and starts."""

    model_name: str
    pipeline_name: str
    pipeline_role: iam.IRole
    code_prefix: str


class BuildPipelineCi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        source: Source,
        targets: list[BuildTarget],
        artifact_bucket: s3.IBucket,
        artifact_key: kms.IKey,
        access_log_bucket: s3.IBucket,
        network: PlatformNetwork,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self._stack = Stack.of(self)
        self.artifact_store_key = kms.Key(
            self,
            "ArtifactStoreKey",
            description="CI pipeline: source artifacts, build outputs and build logs",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        self.artifact_store = SecureBucket(
            self,
            "ArtifactStore",
            removal_policy=removal_policy,
            encryption_key=self.artifact_store_key,
            access_log_bucket=access_log_bucket,
            access_log_prefix="ci-artifacts/",
        ).bucket
        self._network = {
            "SECURITY_GROUP_ID": network.workload_security_group.security_group_id,
            "SUBNET_IDS": Fn.join(",", network.subnet_ids),
        }
        source_output = codepipeline.Artifact("Source")
        source_action = self._source_action(source, source_output)
        self.log_group = logs.LogGroup(
            self,
            "BuildLogs",
            encryption_key=self.artifact_store_key,
            retention=log_retention,
            removal_policy=removal_policy,
        )
        self._let_logs_use_key(self.artifact_store_key)
        self.projects = {
            target.model_name: self._project(target, artifact_bucket, artifact_key) for target in targets
        }
        commit = source_action.variables.commit_id
        self.pipeline = codepipeline.Pipeline(
            self,
            "Pipeline",
            pipeline_type=codepipeline.PipelineType.V2,
            execution_mode=codepipeline.ExecutionMode.SUPERSEDED,
            artifact_bucket=self.artifact_store,
            # One role for the pipeline and its actions: same account, and one policy to review.
            use_pipeline_role_for_actions=True,
            stages=[
                codepipeline.StageProps(stage_name="Source", actions=[source_action]),
                codepipeline.StageProps(
                    stage_name="Build",
                    actions=[
                        actions.CodeBuildAction(
                            action_name=f"Build-{model}",
                            project=project,
                            input=source_output,
                            environment_variables={"GIT_COMMIT": codebuild.BuildEnvironmentVariable(value=commit)},
                        )
                        for model, project in self.projects.items()
                    ],
                ),
            ],
            triggers=self._triggers(source, source_action),
        )
        self._acknowledge_artifact_store_grants(self.pipeline.role, ("s3:DeleteObject*", "s3:Abort*"))
        allow_use_connection(self.pipeline.role, source.connection_arn)

    def _source_action(self, source: Source, output: codepipeline.Artifact) -> codepipeline.IAction:
        if source.provider == "codecommit":
            repository = codecommit.Repository.from_repository_name(self, "Repository", source.repository)
            return actions.CodeCommitSourceAction(
                action_name=SOURCE_ACTION_NAME,
                repository=repository,
                branch=source.branch,
                output=output,
                trigger=actions.CodeCommitTrigger.EVENTS,
            )
        owner, repo = source.repository.split("/", 1)
        return actions.CodeStarConnectionsSourceAction(
            action_name=SOURCE_ACTION_NAME,
            connection_arn=source.connection_arn,
            owner=owner,
            repo=repo,
            branch=source.branch,
            output=output,
        )

    def _triggers(self, source: Source, source_action: codepipeline.IAction) -> list[codepipeline.TriggerProps]:
        # CodePipeline supports git triggers only for connection sources; CodeCommit uses its rule.
        if source.provider == "codecommit":
            return []
        return [
            codepipeline.TriggerProps(
                provider_type=codepipeline.ProviderType.CODE_STAR_SOURCE_CONNECTION,
                git_configuration=codepipeline.GitConfiguration(
                    source_action=source_action,
                    push_filter=[
                        codepipeline.GitPushFilter(
                            branches_includes=[source.branch], file_paths_includes=list(TRIGGER_PATHS)
                        )
                    ],
                ),
            )
        ]

    def _project(self, target: BuildTarget, artifact_bucket: s3.IBucket, artifact_key: kms.IKey) -> codebuild.PipelineProject:
        project = codebuild.PipelineProject(
            self,
            f"Build{pascal(target.model_name)}",
            description=f"Tests, renders, upserts and starts the SageMaker pipeline {target.pipeline_name}",
            build_spec=codebuild.BuildSpec.from_source_filename(BUILDSPEC),
            environment=codebuild.BuildEnvironment(
                build_image=codebuild.LinuxBuildImage.AMAZON_LINUX_2023_5,
                compute_type=codebuild.ComputeType.MEDIUM,
                privileged=False,
            ),
            environment_variables={
                name: codebuild.BuildEnvironmentVariable(value=value)
                for name, value in {
                    "MODEL_NAME": target.model_name,
                    "PIPELINE_NAME": target.pipeline_name,
                    "PIPELINE_ROLE_ARN": target.pipeline_role.role_arn,
                    "ARTIFACT_BUCKET": artifact_bucket.bucket_name,
                    "KMS_KEY_ARN": artifact_key.key_arn,
                    "CODE_PREFIX": target.code_prefix,
                    **self._network,
                }.items()
            },
            encryption_key=self.artifact_store_key,
            logging=codebuild.LoggingOptions(
                cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=self.log_group, prefix=target.model_name)
            ),
            timeout=Duration.minutes(60),
            grant_report_group_permissions=False,
        )
        self._acknowledge_artifact_store_grants(project.role)
        acknowledge(
            project.role,
            "AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:logs:"
            f"{self._stack.region}:{self._stack.account}:log-group:/aws/codebuild/"
            f"<{self._stack.get_logical_id(project.node.default_child)}>:*]",
            "CDK always grants a project its default /aws/codebuild/<project> log group; the build "
            "logs to the encrypted BuildLogs group instead.",
        )
        pipeline_arn = self._stack.format_arn(
            service="sagemaker", resource="pipeline", resource_name=target.pipeline_name.lower()
        )
        project.add_to_role_policy(
            iam.PolicyStatement(
                sid="UpsertAndStartTheModelPipeline",
                # AddTags: a pipeline is created with the platform's tags.
                actions=["sagemaker:CreatePipeline", "sagemaker:UpdatePipeline", "sagemaker:StartPipelineExecution",
                         "sagemaker:AddTags"],
                resources=[pipeline_arn],
            )
        )
        project.add_to_role_policy(
            iam.PolicyStatement(
                sid="PassThePipelineRole",
                actions=["iam:PassRole"],
                resources=[target.pipeline_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            )
        )
        project.add_to_role_policy(
            iam.PolicyStatement(
                sid="UploadStepCode",
                actions=["s3:PutObject"],
                resources=[artifact_bucket.arn_for_objects(f"{target.code_prefix}*")],
            )
        )
        acknowledge(
            project.role,
            f"AwsSolutions::AwsSolutions-IAM5[Resource::{artifact_bucket.arn_for_objects(target.code_prefix)}*]",
            "The build uploads the step code of each commit under this model's code prefix; no reads, no deletes.",
        )
        project.add_to_role_policy(
            iam.PolicyStatement(sid="EncryptStepCode", actions=["kms:GenerateDataKey"], resources=[artifact_key.key_arn])
        )
        return project

    def _let_logs_use_key(self, key: kms.IKey) -> None:
        """CloudWatch Logs encrypts the build log group with ``key``; only log groups of this
        stack (CloudFormation names them ``<stack name>-...``) may use it."""
        region, account = self._stack.region, self._stack.account
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid=f"LogsEncrypt{pascal(self._stack.stack_name)}",
                principals=[iam.ServicePrincipal(f"logs.{region}.amazonaws.com")],
                actions=[
                    "kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:DescribeKey",
                ],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn":
                            f"arn:aws:logs:{region}:{account}:log-group:{self._stack.stack_name}-*"
                    }
                },
            )
        )

    def _acknowledge_artifact_store_grants(self, role: iam.IRole, extra_actions: tuple[str, ...] = ()) -> None:
        """CodePipeline's artifact store grants (CDK's grants on the whole store and its key)."""
        reason = (
            "CDK's grant for CodePipeline's artifact store: source and build artifacts are zips that "
            "CodePipeline names per execution in the CI pipeline's own store, which holds nothing else."
        )
        granted = ("s3:GetObject*", "s3:GetBucket*", "s3:List*", "kms:GenerateDataKey*", "kms:ReEncrypt*")
        for action in (*granted, *extra_actions):
            acknowledge(role, f"AwsSolutions::AwsSolutions-IAM5[Action::{action}]", reason)
        objects = as_nag_renders(self, self.artifact_store.arn_for_objects("*"))
        acknowledge(role, f"AwsSolutions::AwsSolutions-IAM5[Resource::{objects}]", reason)
