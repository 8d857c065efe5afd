"""The CodeBuild project that renders, upserts and starts one model's SageMaker pipeline.

``model_build_project`` runs the repository's ``BUILDSPEC`` with, in its environment, the
model's pipeline name, pipeline role ARN, artifact bucket and key, code prefix, and the
network its jobs run in (``SECURITY_GROUP_ID``, comma-separated ``SUBNET_IDS``). It may
upsert and start only its own SageMaker pipeline, pass only that pipeline's role, and of
the ML artifact bucket only write under its ``code_prefix`` (``s3:PutObject``,
``kms:GenerateDataKey``): code from the repository can neither read training outputs nor
delete the models prod serves. It logs to ``log_group`` (prefix: the model's name) and
encrypts its outputs with the CI pipeline's artifact store key.
"""

from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.components.ci_artifact_store import acknowledge_artifact_store_grants
from stacks.components.nag import acknowledge
from platform_config.construct_ids import pascal

BUILDSPEC = "buildspecs/model_build.yml"


@dataclass(frozen=True)
class BuildTarget:
    """A model whose SageMaker pipeline the build renders, upserts and starts."""

    model_name: str
    pipeline_name: str
    pipeline_role: iam.IRole
    code_prefix: str


def model_build_project(
    scope: Construct,
    target: BuildTarget,
    *,
    artifact_bucket: s3.IBucket,
    artifact_key: kms.IKey,
    artifact_store: s3.IBucket,
    artifact_store_key: kms.IKey,
    log_group: logs.ILogGroup,
    network_environment: dict[str, str],
) -> codebuild.PipelineProject:
    """``Build<Model>`` in ``scope``, with the least privilege its build needs."""
    stack = Stack.of(scope)
    project = codebuild.PipelineProject(
        scope,
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
                **network_environment,
            }.items()
        },
        encryption_key=artifact_store_key,
        logging=codebuild.LoggingOptions(
            cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=log_group, prefix=target.model_name)
        ),
        timeout=Duration.minutes(60),
        grant_report_group_permissions=False,
    )
    acknowledge_artifact_store_grants(project.role, artifact_store)
    acknowledge(
        project.role,
        "AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:logs:"
        f"{stack.region}:{stack.account}:log-group:/aws/codebuild/"
        f"<{stack.get_logical_id(project.node.default_child)}>:*]",
        "CDK always grants a project its default /aws/codebuild/<project> log group; the build "
        "logs to the encrypted BuildLogs group instead.",
    )
    pipeline_arn = stack.format_arn(service="sagemaker", resource="pipeline", resource_name=target.pipeline_name.lower())
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
