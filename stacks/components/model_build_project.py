"""The CodeBuild project that renders, upserts and starts every model's SageMaker build pipeline.

``models_build_project`` runs the repository's ``BUILDSPEC`` with, in its environment, the ML
artifact bucket and key and the network the jobs run in (``SECURITY_GROUP_ID``, comma-separated
``SUBNET_IDS``); the build derives each model's pipeline, role and code prefix from the naming
rules (``pipelines_src.model_build.deploy --all``), so the project names no model. It may upsert
and start only build pipelines (``build_pipeline_name`` of any model), pass only build pipeline
roles (``build_pipeline_role_name`` of any model) and only to SageMaker, and of the ML artifact
bucket only write step code (``build_code_prefix`` of any model; ``s3:PutObject``,
``kms:GenerateDataKey``): code from the repository can neither read training outputs nor delete
the models prod serves. It logs to ``log_group`` and encrypts its outputs with the CI pipeline's
artifact store key.
"""

from aws_cdk import Duration, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from platform_config import PlatformConfig
from platform_config.naming import ANY_MODEL, build_code_prefix, build_pipeline_name, build_pipeline_role_name
from stacks.components.ci_artifact_store import acknowledge_artifact_store_grants
from stacks.components.nag import acknowledge_all

BUILDSPEC = "buildspecs/model_build.yml"
PROJECT_ID = "BuildModels"


def models_build_project(
    scope: Construct,
    *,
    config: PlatformConfig,
    artifact_bucket: s3.IBucket,
    artifact_key: kms.IKey,
    artifact_store: s3.IBucket,
    artifact_store_key: kms.IKey,
    log_group: logs.ILogGroup,
    network_environment: dict[str, str],
) -> codebuild.PipelineProject:
    """``BuildModels`` in ``scope``, with the least privilege its build needs."""
    stack = Stack.of(scope)
    project = codebuild.PipelineProject(
        scope,
        PROJECT_ID,
        description="Tests once, then renders, upserts and starts the SageMaker build pipeline of every model",
        build_spec=codebuild.BuildSpec.from_source_filename(BUILDSPEC),
        environment=codebuild.BuildEnvironment(
            build_image=codebuild.LinuxBuildImage.AMAZON_LINUX_2023_5,
            compute_type=codebuild.ComputeType.MEDIUM,
            privileged=False,
        ),
        environment_variables={
            name: codebuild.BuildEnvironmentVariable(value=value)
            for name, value in {
                "ARTIFACT_BUCKET": artifact_bucket.bucket_name,
                "KMS_KEY_ARN": artifact_key.key_arn,
                **network_environment,
            }.items()
        },
        encryption_key=artifact_store_key,
        logging=codebuild.LoggingOptions(cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=log_group)),
        timeout=Duration.minutes(60),
        grant_report_group_permissions=False,
    )
    acknowledge_artifact_store_grants(project.role, artifact_store)
    region, account = stack.region, stack.account
    pipelines = f"arn:aws:sagemaker:{region}:{account}:pipeline/{build_pipeline_name(config, ANY_MODEL).lower()}"
    roles = f"arn:aws:iam::{account}:role/{build_pipeline_role_name(config, ANY_MODEL)}"
    step_code = f"arn:aws:s3:::{artifact_bucket.bucket_name}/{build_code_prefix(ANY_MODEL)}*"
    for sid, actions, resources, conditions in (
        # AddTags: a pipeline is created with the platform's tags.
        ("UpsertAndStartBuildPipelines", ["sagemaker:CreatePipeline", "sagemaker:UpdatePipeline",
                                          "sagemaker:StartPipelineExecution", "sagemaker:AddTags"], [pipelines], None),
        ("PassBuildPipelineRoles", ["iam:PassRole"], [roles],
         {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}),
        ("UploadStepCode", ["s3:PutObject"], [step_code], None),
        ("EncryptStepCode", ["kms:GenerateDataKey"], [artifact_key.key_arn], None),
    ):
        project.add_to_role_policy(iam.PolicyStatement(sid=sid, actions=actions, resources=resources, conditions=conditions))
    acknowledge_all(
        project.role,
        {
            "AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:logs:"
            f"{region}:{account}:log-group:/aws/codebuild/<{stack.get_logical_id(project.node.default_child)}>:*]": (
                "CDK always grants a project its default /aws/codebuild/<project> log group; the build "
                "logs to the encrypted BuildLogs group instead."
            ),
            f"AwsSolutions::AwsSolutions-IAM5[Resource::{pipelines}]": (
                "The build upserts and starts the build pipeline of every model the pushed config declares; "
                "the naming rule holds it to build pipelines, whatever the models."
            ),
            f"AwsSolutions::AwsSolutions-IAM5[Resource::{roles}]": (
                "Each model's build pipeline runs as its own role, named by rule; only those roles, only to SageMaker."
            ),
            f"AwsSolutions::AwsSolutions-IAM5[Resource::{step_code}]": (
                "The build uploads the step code of each commit under each model's code prefix; no reads, no deletes."
            ),
        },
    )
    return project
