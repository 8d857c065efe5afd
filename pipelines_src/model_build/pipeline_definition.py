"""The model build pipeline as a SageMaker Python SDK v3 ``Pipeline``, built offline.

One entry point, ``build_pipeline``, from the typed config and the deploy-time values
(``DeployValues``). The steps (names in ``step_names``)::

    Preprocess -> Train -> PackageModel -> Evaluate -> Fairness -> MonitoringBaseline -> QualityGate
                                                                         |- RegisterModel (all gates pass)
                                                                         '- GateFailed    (otherwise)

- every processing step runs in the SageMaker XGBoost image of ``training.xgboost_version``
  (the model was trained by the same xgboost). Its one code input is the step code
  archive (``DeployValues.code_s3_uri``, a zip of ``code_bundle``'s folder); the
  entrypoint unpacks it to ``/opt/ml/code`` and runs ``python3 -m
  pipelines_src.model_build.steps.<step>``. Nothing is installed at job start: the steps use
  only what the image ships (TreeSHAP attributions come from xgboost itself);
- every job (processing and training) runs in the platform VPC, in
  ``DeployValues.subnet_ids`` with ``DeployValues.security_group_id``, which has no internet
  path. All but Preprocess run with network isolation (``ISOLATED_STEPS``): they call no AWS
  API, and SageMaker still moves their S3 inputs and outputs through the VPC. Preprocess
  reads the pseudonymization key from Secrets Manager (through the VPC's endpoint);
- Train is the built-in XGBoost algorithm with ``training.hyperparameters``, reading
  the ``train`` and ``validation`` channels (CSV, label first, no header);
- PackageModel (``steps.package``) makes the serving artifact: the booster plus the
  encoding and the inference code, with the execution id as the version its responses
  name. Evaluate and Fairness judge that artifact, and RegisterModel registers it, in
  script mode (``package.SERVING_ENVIRONMENT``);
- QualityGate registers when AUC >= ``MinAuc`` and, for every sensitive attribute,
  ``MinDisparateImpact`` <= DI <= ``MaxDisparateImpact`` and |DPPL| <= ``MaxAbsDppl``
  (the bounds the monitors judge captured traffic with); otherwise GateFailed fails
  the execution with ``gate.json``'s message (which gate, by how much);
- RegisterModel creates a version in the model's package group with
  ``ModelApprovalStatus``, model metrics, drift-check baselines and lineage
  (``steps.register``; ``ModelVersion`` is the execution id).

Where outputs go (``<exec>`` is the execution id): ``s3://<ArtifactBucket>/pipelines/<model>/<exec>/<step>/<output>``
for work files, ``s3://<ArtifactBucket>/models/<model>/<exec>/{metadata,baseline}/`` for
what serving accounts read (feature encoding, monitoring baselines), and the training
job's ``model.tar.gz`` under ``s3://<ArtifactBucket>/models/<model>/``; the serving artifact
at ``s3://<ArtifactBucket>/models/<model>/<exec>/model/model.tar.gz``. Volumes and
outputs are encrypted with ``DeployValues.kms_key_arn``.
"""

from collections.abc import Sequence
from dataclasses import dataclass, fields

from sagemaker.core.drift_check_baselines import DriftCheckBaselines
from sagemaker.core.model_metrics import MetricsSource, ModelMetrics
from sagemaker.core.network import NetworkConfig
from sagemaker.core.processing import Processor
from sagemaker.core.shapes import (
    OutputDataConfig,
    ProcessingInput,
    ProcessingOutput,
    ProcessingS3Input,
    ProcessingS3Output,
    StoppingCondition,
    Tag,
)
from sagemaker.core.workflow.conditions import ConditionGreaterThanOrEqualTo, ConditionLessThanOrEqualTo
from sagemaker.core.workflow.execution_variables import ExecutionVariables
from sagemaker.core.workflow.functions import Join, JsonGet
from sagemaker.core.workflow.parameters import ParameterFloat, ParameterString
from sagemaker.core.workflow.pipeline_context import PipelineSession
from sagemaker.core.workflow.properties import PropertyFile
from sagemaker.mlops.workflow.condition_step import ConditionStep
from sagemaker.mlops.workflow.fail_step import FailStep
from sagemaker.mlops.workflow.model_step import ModelStep
from sagemaker.mlops.workflow.pipeline import Pipeline
from sagemaker.mlops.workflow.steps import ProcessingStep, TrainingStep
from sagemaker.serve.model_builder import ModelBuilder
from sagemaker.train import ModelTrainer
from sagemaker.train.configs import Compute, InputData, Networking

from pipelines_src.model_build import step_names
from pipelines_src.model_build.deploy_values import DeployValues
from pipelines_src.model_build.images import xgboost_image_uri
from pipelines_src.model_build.model_settings import serving_instance_types
from pipelines_src.model_build.steps import container_paths as paths
from pipelines_src.model_build.steps import register
from pipelines_src.model_build.steps.baseline import CONSTRAINTS_FILE, STATISTICS_FILE
from pipelines_src.model_build.steps.evaluate import AUC_PATH, EVALUATION_FILE
from pipelines_src.model_build.steps.fairness import BIAS_FILE, EXPLAINABILITY_FILE
from pipelines_src.model_build.steps.features import ENCODING_FILE
from pipelines_src.model_build.steps.gate import GATE_FILE, MESSAGE_PATH
from pipelines_src.model_build.steps.model_artifact import ARCHIVE
from pipelines_src.model_build.steps.package import SERVING_ENVIRONMENT
from pipelines_src.model_build.steps.preprocess import DIGEST_FILE
from platform_config import PlatformConfig
from platform_config.models import ModelConfig
from platform_config.naming import dev_bucket_name, model_package_group_name, pii_key_secret_name, platform_tags

# Steps whose containers call no AWS API: no network at all, beyond SageMaker's own data transfer.
ISOLATED_STEPS = frozenset(
    {step_names.TRAIN, step_names.PACKAGE, step_names.EVALUATE, step_names.FAIRNESS, step_names.MONITORING_BASELINE}
)
MAX_RUNTIME_SECONDS = 3600
VOLUME_GB = 30


@dataclass(frozen=True)
class Parameters:
    input_data_uri: ParameterString
    approval_status: ParameterString
    min_auc: ParameterFloat
    min_disparate_impact: ParameterFloat
    max_disparate_impact: ParameterFloat
    max_abs_dppl: ParameterFloat
    git_commit: ParameterString
    trigger_reason: ParameterString
    pii_key_secret_id: ParameterString

    def all(self) -> list:
        return [getattr(self, field.name) for field in fields(self)]


def parameters(config: PlatformConfig, model: ModelConfig) -> Parameters:
    low, high = model.gates.disparate_impact_band
    return Parameters(
        input_data_uri=ParameterString("InputDataUri", default_value=f"s3://{dev_bucket_name(config, 'raw')}/{model.name}/"),
        approval_status=ParameterString("ModelApprovalStatus", default_value=register.APPROVAL_PENDING),
        min_auc=ParameterFloat("MinAuc", default_value=model.gates.min_auc),
        min_disparate_impact=ParameterFloat("MinDisparateImpact", default_value=low),
        max_disparate_impact=ParameterFloat("MaxDisparateImpact", default_value=high),
        max_abs_dppl=ParameterFloat("MaxAbsDppl", default_value=model.gates.max_abs_dppl),
        git_commit=ParameterString("GitCommit", default_value="unknown"),
        trigger_reason=ParameterString("TriggerReason", default_value="manual"),
        pii_key_secret_id=ParameterString("PiiKeySecretId", default_value=pii_key_secret_name(config, model.name)),
    )


def entrypoint(step_module: str) -> list[str]:
    """``sh -c`` that unpacks the code archive and runs the step with the container arguments."""
    script = (
        f"set -e; mkdir -p {paths.CODE_DIR}; "
        f"python3 -m zipfile -e {paths.CODE_ARCHIVE_DIR}/*.zip {paths.CODE_DIR}; "
        f"cd {paths.CODE_DIR}; "
        f'exec python3 -m pipelines_src.model_build.steps.{step_module} "$@"'
    )
    # "$0" is the step's name in process listings; the container arguments follow as "$@".
    return ["/bin/sh", "-c", script, step_module]


class _Builder:
    """Builds the steps of one model's pipeline; each method returns one step."""

    def __init__(self, config: PlatformConfig, model: ModelConfig, values: DeployValues, session: PipelineSession):
        self.config, self.model, self.values, self.session = config, model, values, session
        self.image = xgboost_image_uri(config.region, model.training.xgboost_version)
        self.params = parameters(config, model)
        # The platform's tags on every job a step starts. A registered version takes its group's
        # tags: CreateModelPackage refuses Tags for a version of a model package group.
        self.tags = [{"Key": key, "Value": value} for key, value in sorted(platform_tags(config).items())]

    def _uri(self, area: str, *parts: str) -> Join:
        return Join(
            on="/",
            values=[f"s3://{self.values.artifact_bucket}/{area}/{self.model.name}", ExecutionVariables.PIPELINE_EXECUTION_ID, *parts],
        )

    def _network(self, step_name: str) -> NetworkConfig:
        return NetworkConfig(
            enable_network_isolation=step_name in ISOLATED_STEPS,
            security_group_ids=[self.values.security_group_id],
            subnets=list(self.values.subnet_ids),
        )

    def _processor(self, step_name: str, step_module: str) -> Processor:
        return Processor(
            role=self.values.role_arn,
            image_uri=self.image,
            instance_count=1,
            instance_type=self.model.training.instance_type,
            entrypoint=entrypoint(step_module),
            volume_size_in_gb=VOLUME_GB,
            volume_kms_key=self.values.kms_key_arn,
            output_kms_key=self.values.kms_key_arn,
            max_runtime_in_seconds=MAX_RUNTIME_SECONDS,
            sagemaker_session=self.session,
            tags=self.tags,
            network_config=self._network(step_name),
        )

    @staticmethod
    def _input(name: str, source, destination: str) -> ProcessingInput:
        return ProcessingInput(
            input_name=name,
            s3_input=ProcessingS3Input(s3_uri=source, local_path=destination, s3_data_type="S3Prefix", s3_input_mode="File"),
        )

    @staticmethod
    def _output(name: str, source: str, destination) -> ProcessingOutput:
        return ProcessingOutput(
            output_name=name,
            s3_output=ProcessingS3Output(s3_uri=destination, local_path=source, s3_upload_mode="EndOfJob"),
        )

    def _code(self) -> ProcessingInput:
        return self._input("code", self.values.code_s3_uri, paths.CODE_ARCHIVE_DIR)

    @staticmethod
    def _output_uri(step: ProcessingStep, name: str):
        return step.properties.ProcessingOutputConfig.Outputs[name].S3Output.S3Uri

    def preprocess(self) -> tuple[ProcessingStep, PropertyFile]:
        digest = PropertyFile(name="DataDigest", output_name="metadata", path=DIGEST_FILE)
        destinations = {
            "train": self._uri("pipelines", step_names.PREPROCESS, "train"),
            "validation": self._uri("pipelines", step_names.PREPROCESS, "validation"),
            "splits": self._uri("pipelines", step_names.PREPROCESS, "splits"),
            "metadata": self._uri("models", "metadata"),
        }
        step_args = self._processor(step_names.PREPROCESS, "preprocess").run(
            inputs=[self._code(), self._input("raw", self.params.input_data_uri, paths.RAW)],
            outputs=[self._output(name, f"{paths.OUTPUT}/{name}", destinations[name]) for name in paths.PREPROCESS_OUTPUTS],
            arguments=["--pii-key-secret-id", self.params.pii_key_secret_id],
        )
        return ProcessingStep(step_names.PREPROCESS, step_args=step_args, property_files=[digest]), digest

    def train(self, preprocess: ProcessingStep) -> TrainingStep:
        trainer = ModelTrainer(
            sagemaker_session=self.session,
            role=self.values.role_arn,
            training_image=self.image,
            compute=Compute(
                instance_type=self.model.training.instance_type,
                instance_count=1,
                volume_size_in_gb=VOLUME_GB,
                volume_kms_key_id=self.values.kms_key_arn,
            ),
            stopping_condition=StoppingCondition(max_runtime_in_seconds=MAX_RUNTIME_SECONDS),
            networking=Networking(
                enable_network_isolation=step_names.TRAIN in ISOLATED_STEPS,
                security_group_ids=[self.values.security_group_id],
                subnets=list(self.values.subnet_ids),
            ),
            hyperparameters={name: str(value) for name, value in sorted(self.model.training.hyperparameters.items())},
            tags=[Tag(key=tag["Key"], value=tag["Value"]) for tag in self.tags],
            output_data_config=OutputDataConfig(
                s3_output_path=f"s3://{self.values.artifact_bucket}/models/{self.model.name}",
                kms_key_id=self.values.kms_key_arn,
            ),
        )
        step_args = trainer.train(
            input_data_config=[
                InputData(channel_name=name, data_source=self._output_uri(preprocess, name), content_type=register.CSV)
                for name in ("train", "validation")
            ]
        )
        return TrainingStep(step_names.TRAIN, step_args=step_args)

    def package(self, preprocess: ProcessingStep, train: TrainingStep) -> ProcessingStep:
        step_args = self._processor(step_names.PACKAGE, "package").run(
            inputs=[
                self._code(),
                self._input("model", train.properties.ModelArtifacts.S3ModelArtifacts, paths.MODEL),
                self._input("metadata", self._output_uri(preprocess, "metadata"), paths.METADATA),
            ],
            outputs=[self._output("model", f"{paths.OUTPUT}/model", self._uri("models", "model"))],
            arguments=["--model-version", ExecutionVariables.PIPELINE_EXECUTION_ID],
        )
        return ProcessingStep(step_names.PACKAGE, step_args=step_args)

    def _model_inputs(self, preprocess: ProcessingStep, package: ProcessingStep) -> list[ProcessingInput]:
        return [
            self._code(),
            self._input("model", self._output_uri(package, "model"), paths.MODEL),
            self._input("splits", self._output_uri(preprocess, "splits"), paths.SPLITS),
            self._input("metadata", self._output_uri(preprocess, "metadata"), paths.METADATA),
        ]

    def evaluate(self, preprocess: ProcessingStep, package: ProcessingStep) -> tuple[ProcessingStep, PropertyFile]:
        evaluation = PropertyFile(name="Evaluation", output_name="evaluation", path=EVALUATION_FILE)
        step_args = self._processor(step_names.EVALUATE, "evaluate").run(
            inputs=self._model_inputs(preprocess, package),
            outputs=[self._output("evaluation", f"{paths.OUTPUT}/evaluation", self._uri("pipelines", step_names.EVALUATE))],
        )
        return ProcessingStep(step_names.EVALUATE, step_args=step_args, property_files=[evaluation]), evaluation

    def fairness(
        self, preprocess: ProcessingStep, package: ProcessingStep, evaluate: ProcessingStep
    ) -> tuple[ProcessingStep, PropertyFile, PropertyFile]:
        bias = PropertyFile(name="Bias", output_name="fairness", path=BIAS_FILE)
        gate = PropertyFile(name="Gate", output_name="fairness", path=GATE_FILE)
        step_args = self._processor(step_names.FAIRNESS, "fairness").run(
            inputs=[
                *self._model_inputs(preprocess, package),
                self._input("evaluation", self._output_uri(evaluate, "evaluation"), paths.EVALUATION),
            ],
            outputs=[self._output("fairness", f"{paths.OUTPUT}/fairness", self._uri("pipelines", step_names.FAIRNESS))],
            arguments=[
                "--min-auc", self.params.min_auc.to_string(),
                "--min-disparate-impact", self.params.min_disparate_impact.to_string(),
                "--max-disparate-impact", self.params.max_disparate_impact.to_string(),
                "--max-abs-dppl", self.params.max_abs_dppl.to_string(),
            ],
        )
        return ProcessingStep(step_names.FAIRNESS, step_args=step_args, property_files=[bias, gate]), bias, gate

    def baseline(self, preprocess: ProcessingStep) -> ProcessingStep:
        step_args = self._processor(step_names.MONITORING_BASELINE, "baseline").run(
            inputs=[
                self._code(),
                self._input("splits", self._output_uri(preprocess, "splits"), paths.SPLITS),
            ],
            outputs=[self._output("baseline", f"{paths.OUTPUT}/baseline", self._uri("models", "baseline"))],
        )
        return ProcessingStep(step_names.MONITORING_BASELINE, step_args=step_args)

    def register(
        self,
        preprocess: ProcessingStep,
        digest: PropertyFile,
        package: ProcessingStep,
        evaluate: ProcessingStep,
        fairness: ProcessingStep,
        baseline: ProcessingStep,
    ) -> ModelStep:
        def file(step: ProcessingStep, output: str, name: str) -> MetricsSource:
            return MetricsSource(
                content_type=register.JSON, s3_uri=Join(on="/", values=[self._output_uri(step, output), name])
            )

        builder = ModelBuilder(
            image_uri=xgboost_image_uri(self.config.region, self.model.training.xgboost_version, scope="inference"),
            s3_model_data_url=Join(on="/", values=[self._output_uri(package, "model"), ARCHIVE]),
            env_vars=dict(SERVING_ENVIRONMENT),
            role_arn=self.values.role_arn,
            sagemaker_session=self.session,
        )
        instance_types = serving_instance_types(self.model)
        step_args = builder.register(
            model_package_group_name=model_package_group_name(self.config, self.model.name),
            content_types=list(register.REQUEST_TYPES),
            response_types=list(register.RESPONSE_TYPES),
            inference_instances=instance_types,
            transform_instances=instance_types,
            approval_status=self.params.approval_status,
            model_metrics=ModelMetrics(
                model_statistics=file(evaluate, "evaluation", EVALUATION_FILE),
                bias=file(fairness, "fairness", BIAS_FILE),
                explainability=file(fairness, "fairness", EXPLAINABILITY_FILE),
            ),
            drift_check_baselines=DriftCheckBaselines(
                model_data_statistics=file(baseline, "baseline", STATISTICS_FILE),
                model_data_constraints=file(baseline, "baseline", CONSTRAINTS_FILE),
            ),
            customer_metadata_properties={
                register.GIT_COMMIT: self.params.git_commit,
                register.PIPELINE_EXECUTION: ExecutionVariables.PIPELINE_EXECUTION_ARN,
                register.DATA_DIGEST: JsonGet(step_name=preprocess.name, property_file=digest, json_path="digest"),
                register.TRIGGER_REASON: self.params.trigger_reason,
                register.FEATURE_ENCODING: Join(on="/", values=[self._output_uri(preprocess, "metadata"), ENCODING_FILE]),
                register.MODEL_VERSION: ExecutionVariables.PIPELINE_EXECUTION_ID,
            },
        )
        return ModelStep(step_names.REGISTER, step_args=step_args)

    def gate(
        self,
        evaluate: ProcessingStep,
        evaluation: PropertyFile,
        fairness: ProcessingStep,
        bias: PropertyFile,
        gate: PropertyFile,
        registration: ModelStep,
        baseline: ProcessingStep,
    ) -> ConditionStep:
        conditions: list = [
            ConditionGreaterThanOrEqualTo(
                left=JsonGet(step_name=evaluate.name, property_file=evaluation, json_path=AUC_PATH), right=self.params.min_auc
            )
        ]
        for attribute in self.model.sensitive_attributes:
            impact = JsonGet(step_name=fairness.name, property_file=bias, json_path=f"disparate_impact.{attribute.column}")
            conditions += [
                ConditionGreaterThanOrEqualTo(left=impact, right=self.params.min_disparate_impact),
                ConditionLessThanOrEqualTo(left=impact, right=self.params.max_disparate_impact),
                ConditionLessThanOrEqualTo(
                    left=JsonGet(step_name=fairness.name, property_file=bias, json_path=f"abs_dppl.{attribute.column}"),
                    right=self.params.max_abs_dppl,
                ),
            ]
        failed = FailStep(
            step_names.GATE_FAILED,
            error_message=JsonGet(step_name=fairness.name, property_file=gate, json_path=MESSAGE_PATH),
        )
        return ConditionStep(
            step_names.QUALITY_GATE,
            conditions=conditions,
            if_steps=[registration],
            else_steps=[failed],
            depends_on=[baseline],
        )


def build_pipeline(
    config: PlatformConfig, model: ModelConfig, *, pipeline_name: str, values: DeployValues, session: PipelineSession
) -> Pipeline:
    """The model's build pipeline; ``session`` must be a PipelineSession (nothing runs while building)."""
    builder = _Builder(config, model, values, session)
    preprocess, digest = builder.preprocess()
    train = builder.train(preprocess)
    package = builder.package(preprocess, train)
    evaluate, evaluation = builder.evaluate(preprocess, package)
    fairness, bias, gate = builder.fairness(preprocess, package, evaluate)
    baseline = builder.baseline(preprocess)
    registration = builder.register(preprocess, digest, package, evaluate, fairness, baseline)
    quality_gate = builder.gate(evaluate, evaluation, fairness, bias, gate, registration, baseline)
    steps: Sequence = (preprocess, train, package, evaluate, fairness, baseline, quality_gate)
    return Pipeline(
        name=pipeline_name,
        parameters=builder.params.all(),
        steps=list(steps),
        sagemaker_session=session,
        # No SageMaker Experiments trial per execution: the role is not allowed to create them.
        pipeline_experiment_config=None,
    )
