"""How each step's job runs: image, instance, VPC, keys, tags, its code, and where its files go.

``StepJobs`` gives the steps of one model's pipeline (``pipeline_definition``) the pieces
every job shares:

- every processing job runs in the SageMaker XGBoost image of ``training.xgboost_version``.
  Its one code input is the step code archive (``DeployValues.code_s3_uri``); ``entrypoint``
  unpacks it to ``/opt/ml/code`` and runs ``python3 -m pipelines_src.model_build.steps.<step>``
  (the Snapshot step: ``pipelines_src.feature_store.snapshot_job``);
- every job runs in ``DeployValues.subnet_ids`` with ``DeployValues.security_group_id``; the
  steps of ``isolated`` with network isolation: ``ISOLATED_STEPS``, and Preprocess for a model
  that reads a feature group (it then reads no secret);
- volumes and outputs are encrypted with ``DeployValues.kms_key_arn``, and every job carries
  the platform's tags;
- ``uri(area, ...)`` is ``s3://<ArtifactBucket>/<area>/<model>/<exec>/...``.
"""

from sagemaker.core.network import NetworkConfig
from sagemaker.core.processing import Processor
from sagemaker.core.shapes import ProcessingInput, ProcessingOutput, ProcessingS3Input, ProcessingS3Output
from sagemaker.core.workflow.execution_variables import ExecutionVariables
from sagemaker.core.workflow.functions import Join
from sagemaker.core.workflow.pipeline_context import PipelineSession
from sagemaker.mlops.workflow.steps import ProcessingStep

from pipelines_src.model_build import step_names
from pipelines_src.model_build.deploy_values import DeployValues
from pipelines_src.model_build.images import xgboost_image_uri
from pipelines_src.model_build.steps import container_paths as paths
from platform_config import PlatformConfig
from platform_config.models import ModelConfig
from platform_config.naming import platform_tags
from platform_config.training import JOB_MAX_RUNTIME_SECONDS

# Steps whose containers call no AWS API: no network at all, beyond SageMaker's own data transfer.
ISOLATED_STEPS = frozenset(
    {step_names.TRAIN, step_names.PACKAGE, step_names.EVALUATE, step_names.FAIRNESS, step_names.MONITORING_BASELINE}
)
MAX_RUNTIME_SECONDS = JOB_MAX_RUNTIME_SECONDS
VOLUME_GB = 30
STEPS_PACKAGE = "pipelines_src.model_build.steps"
FEATURE_STORE_PACKAGE = "pipelines_src.feature_store"


def entrypoint(step_module: str, package: str = STEPS_PACKAGE) -> list[str]:
    """``sh -c`` that unpacks the code archive and runs the step with the container arguments."""
    script = (
        f"set -e; mkdir -p {paths.CODE_DIR}; "
        f"python3 -m zipfile -e {paths.CODE_ARCHIVE_DIR}/*.zip {paths.CODE_DIR}; "
        f"cd {paths.CODE_DIR}; "
        f'exec python3 -m {package}.{step_module} "$@"'
    )
    # "$0" is the step's name in process listings; the container arguments follow as "$@".
    return ["/bin/sh", "-c", script, step_module]


class StepJobs:
    """The job settings, inputs and outputs of one model's steps."""

    def __init__(self, config: PlatformConfig, model: ModelConfig, values: DeployValues, session: PipelineSession):
        self.model, self.values, self.session = model, values, session
        self.image = xgboost_image_uri(config.region, model.training.xgboost_version)
        # The platform's tags on every job a step starts. A registered version takes its group's
        # tags: CreateModelPackage refuses Tags for a version of a model package group.
        self.tags = [{"Key": key, "Value": value} for key, value in sorted(platform_tags(config).items())]
        self.isolated = ISOLATED_STEPS | ({step_names.PREPROCESS} if model.feature_group is not None else set())

    def uri(self, area: str, *parts: str) -> Join:
        return Join(
            on="/",
            values=[f"s3://{self.values.artifact_bucket}/{area}/{self.model.name}", ExecutionVariables.PIPELINE_EXECUTION_ID, *parts],
        )

    def network(self, step_name: str) -> NetworkConfig:
        return NetworkConfig(
            enable_network_isolation=step_name in self.isolated,
            security_group_ids=[self.values.security_group_id],
            subnets=list(self.values.subnet_ids),
        )

    def processor(self, step_name: str, step_module: str, package: str = STEPS_PACKAGE) -> Processor:
        return Processor(
            role=self.values.role_arn,
            image_uri=self.image,
            instance_count=1,
            instance_type=self.model.training.instance_type,
            entrypoint=entrypoint(step_module, package),
            volume_size_in_gb=VOLUME_GB,
            volume_kms_key=self.values.kms_key_arn,
            output_kms_key=self.values.kms_key_arn,
            max_runtime_in_seconds=MAX_RUNTIME_SECONDS,
            sagemaker_session=self.session,
            tags=self.tags,
            network_config=self.network(step_name),
        )

    @staticmethod
    def input(name: str, source, destination: str) -> ProcessingInput:
        return ProcessingInput(
            input_name=name,
            s3_input=ProcessingS3Input(s3_uri=source, local_path=destination, s3_data_type="S3Prefix", s3_input_mode="File"),
        )

    @staticmethod
    def output(name: str, source: str, destination) -> ProcessingOutput:
        return ProcessingOutput(
            output_name=name,
            s3_output=ProcessingS3Output(s3_uri=destination, local_path=source, s3_upload_mode="EndOfJob"),
        )

    def code(self) -> ProcessingInput:
        return self.input("code", self.values.code_s3_uri, paths.CODE_ARCHIVE_DIR)

    @staticmethod
    def output_uri(step: ProcessingStep, name: str):
        return step.properties.ProcessingOutputConfig.Outputs[name].S3Output.S3Uri
