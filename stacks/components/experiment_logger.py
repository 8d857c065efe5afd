"""ExperimentLogger (dev): every finished build pipeline execution is logged as an MLflow run.

Creates:

- the function (``PlatformFunction`` of ``lambdas/experiment_logger``, shipping
  ``pipelines_src/experiments/run_record.py`` beside its handler, in the platform's VPC: it reaches
  SageMaker, S3 and the tracking server through the VPC's endpoints), one invocation at a time so
  a redelivered event finds the run the first one made;
- its permissions: list an execution's steps and parameters (build pipelines only, by
  ``build_pipelines``), describe processing jobs, describe and update the models' versions
  (``model_packages``) to record ``MlflowRunId``, log to the tracking server (experiments, runs,
  batches, tags: no deletes), read the build's outputs (``pipelines/*``, ``models/*``), write only
  under the tracking server's artifact ``prefix``, and use the artifact key through S3. It cannot
  approve a version: ``UpdateModelPackage`` is denied whenever the request sets an approval status;
- an EventBridge rule on dev's default bus sending it SageMaker's ``Model Building Pipeline
  Execution Status Change`` events of the build pipelines that ended ``Succeeded`` or ``Failed``,
  with the retry policy and dead-letter queue of ``dead_letters``.

Exposes ``function`` and ``rule``.
"""

import json

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.components.event_dead_letters import EventDeadLetters
from stacks.components.nag import acknowledge, as_nag_renders
from stacks.components.platform_function import PlatformFunction
from stacks.components.platform_network import PlatformNetwork

RUN_RECORD_MODULE = "pipelines_src/experiments/run_record.py"
PIPELINE_EXECUTION_STATUS_CHANGE = "SageMaker Model Building Pipeline Execution Status Change"
ENDED = ("Succeeded", "Failed")
MLFLOW_ACTIONS = (
    "sagemaker-mlflow:GetExperimentByName", "sagemaker-mlflow:CreateExperiment", "sagemaker-mlflow:SearchRuns",
    "sagemaker-mlflow:CreateRun", "sagemaker-mlflow:LogBatch", "sagemaker-mlflow:SetTag", "sagemaker-mlflow:UpdateRun",
)
MODEL_PLACEHOLDER = "{model}"


class ExperimentLogger(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tracking_server_arn: str,
        build_pipelines: str,
        model_packages: str,
        artifact_bucket: s3.IBucket,
        artifact_key: kms.IKey,
        prefix: str,
        network: PlatformNetwork,
        key: kms.IKey,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
        dead_letters: EventDeadLetters,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        settings = {"pipelines": build_pipelines, "artifact_bucket": artifact_bucket.bucket_name, "artifact_prefix": prefix}
        self.function = PlatformFunction(
            self,
            "Function",
            handler_folder="experiment_logger",
            description="Logs each finished build pipeline execution as an MLflow run",
            log_key=key,
            log_retention=log_retention,
            removal_policy=removal_policy,
            environment={"TRACKING_SERVER_ARN": tracking_server_arn, "LOGGER_SETTINGS": json.dumps(settings, sort_keys=True)},
            timeout=Duration.minutes(2),
            memory_size=512,
            reserved_concurrency=1,
            network=network,
            repository_modules=(RUN_RECORD_MODULE,),
        ).function
        any_pipeline = build_pipelines.replace(MODEL_PLACEHOLDER, "*").lower()
        executions = stack.format_arn(service="sagemaker", resource="pipeline", resource_name=f"{any_pipeline}/execution/*")
        # SageMaker names a pipeline step's job pipelines-<execution id>-<step>-<suffix>.
        jobs = stack.format_arn(service="sagemaker", resource="processing-job", resource_name="pipelines-*")
        versions = stack.format_arn(service="sagemaker", resource="model-package", resource_name=f"{model_packages.lower()}/*")
        reads = [artifact_bucket.arn_for_objects("pipelines/*"), artifact_bucket.arn_for_objects("models/*")]
        writes = artifact_bucket.arn_for_objects(f"{prefix}*")
        statements = [
            iam.PolicyStatement(
                actions=["sagemaker:ListPipelineExecutionSteps", "sagemaker:ListPipelineParametersForExecution"],
                resources=[executions],
            ),
            iam.PolicyStatement(actions=["sagemaker:DescribeProcessingJob"], resources=[jobs]),
            iam.PolicyStatement(actions=["sagemaker:DescribeModelPackage", "sagemaker:UpdateModelPackage"], resources=[versions]),
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                actions=["sagemaker:UpdateModelPackage"],
                resources=[versions],
                conditions={"Null": {"sagemaker:ModelApprovalStatus": "false"}},
            ),
            iam.PolicyStatement(actions=list(MLFLOW_ACTIONS), resources=[tracking_server_arn]),
            iam.PolicyStatement(actions=["s3:GetObject"], resources=reads),
            iam.PolicyStatement(actions=["s3:PutObject"], resources=[writes]),
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[artifact_key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}},
            ),
        ]
        for statement in statements:
            self.function.add_to_role_policy(statement)
        for resource, reason in (
            (executions, "Execution ids are generated per run; the ARNs are held to the build pipelines' naming rule."),
            (jobs, "SageMaker names a pipeline step's processing job after the execution; DescribeProcessingJob only reads "
                   "where the job's outputs went."),
            (versions, "Versions are numbered by SageMaker; the ARNs are held to the platform's model package groups, and "
                       "an explicit Deny keeps approval decisions out of reach."),
            (reads[0], "A build writes its step outputs under keys per execution; the function only reads them."),
            (reads[1], "A build writes its model artifact and metadata under keys per execution; the function only reads them."),
            (writes, f"The tracking server gives each run its own artifact keys; writes are held to its {prefix} prefix."),
        ):
            acknowledge(self.function, f"AwsSolutions-IAM5[Resource::{as_nag_renders(self, resource)}]", reason)
        self.rule = events.Rule(
            self,
            "Rule",
            description="Build pipeline executions that ended are logged as MLflow runs",
            event_pattern=events.EventPattern(
                source=["aws.sagemaker"],
                detail_type=[PIPELINE_EXECUTION_STATUS_CHANGE],
                detail={
                    "currentPipelineExecutionStatus": list(ENDED),
                    "pipelineArn": [{"wildcard": stack.format_arn(service="sagemaker", resource="pipeline", resource_name=any_pipeline)}],
                },
            ),
            targets=[targets.LambdaFunction(self.function, **dead_letters.target_options)],
        )
