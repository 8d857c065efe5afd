"""BuildPipelineCi: git push → tests, once → render, upsert and start every model's SageMaker pipeline.

Creates a CodePipeline (V2) with two stages:

- ``Source``: the repository of ``source``, started by pushes to its branch that change a
  model (``ci_source``).
- ``Build``: one CodeBuild project for every model (``models_build_project``), with the
  ``network`` its jobs run in and the git commit as ``GIT_COMMIT``: the pushed config says
  which models there are, so adding a model changes nothing here.

Pipeline artifacts (the repository's source zips) go to a store of the CI pipeline's
own: ``artifact_store`` (a ``SecureBucket``, access logs to ``access_log_bucket``)
encrypted with ``artifact_store_key`` (rotated), which also encrypts build outputs
and the build log group (``log_retention``; ``ci_artifact_store``). The ML ``artifact_bucket``
and ``artifact_key`` are not the pipeline's: the build may only write step code there,
and the pipeline role gets nothing of them.

CodeBuild runs outside the VPC: the build installs pinned packages from PyPI and the
dev VPC has no internet path by design; the build reads no data, only calls AWS APIs.

Exposes ``pipeline``, ``project``, ``artifact_store`` and ``artifact_store_key``.
"""

from aws_cdk import Fn, RemovalPolicy
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.components.ci_artifact_store import acknowledge_artifact_store_grants, let_logs_use_key
from stacks.components.ci_source import push_triggers, source_action
from stacks.components.code_connection import allow_use_connection
from stacks.components.model_build_project import models_build_project
from stacks.components.platform_network import PlatformNetwork
from stacks.components.secure_bucket import SecureBucket
from platform_config import PlatformConfig


class BuildPipelineCi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        artifact_bucket: s3.IBucket,
        artifact_key: kms.IKey,
        access_log_bucket: s3.IBucket,
        network: PlatformNetwork,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
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
        network_environment = {
            "SECURITY_GROUP_ID": network.workload_security_group.security_group_id,
            "SUBNET_IDS": Fn.join(",", network.subnet_ids),
        }
        source_output = codepipeline.Artifact("Source")
        source = config.source
        checkout = source_action(self, source, source_output)
        self.log_group = logs.LogGroup(
            self,
            "BuildLogs",
            encryption_key=self.artifact_store_key,
            retention=log_retention,
            removal_policy=removal_policy,
        )
        let_logs_use_key(self.artifact_store_key)
        self.project = models_build_project(
            self,
            config=config,
            artifact_bucket=artifact_bucket,
            artifact_key=artifact_key,
            artifact_store=self.artifact_store,
            artifact_store_key=self.artifact_store_key,
            log_group=self.log_group,
            network_environment=network_environment,
        )
        commit = checkout.variables.commit_id
        self.pipeline = codepipeline.Pipeline(
            self,
            "Pipeline",
            pipeline_type=codepipeline.PipelineType.V2,
            execution_mode=codepipeline.ExecutionMode.SUPERSEDED,
            artifact_bucket=self.artifact_store,
            # One role for the pipeline and its actions: same account, and one policy to review.
            use_pipeline_role_for_actions=True,
            stages=[
                codepipeline.StageProps(stage_name="Source", actions=[checkout]),
                codepipeline.StageProps(
                    stage_name="Build",
                    actions=[
                        actions.CodeBuildAction(
                            action_name="BuildModels",
                            project=self.project,
                            input=source_output,
                            environment_variables={"GIT_COMMIT": codebuild.BuildEnvironmentVariable(value=commit)},
                        )
                    ],
                ),
            ],
            triggers=push_triggers(source, checkout),
        )
        acknowledge_artifact_store_grants(self.pipeline.role, self.artifact_store, ("s3:DeleteObject*", "s3:Abort*"))
        allow_use_connection(self.pipeline.role, source.connection_arn)
