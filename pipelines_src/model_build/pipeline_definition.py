"""The model build pipeline as a SageMaker Python SDK v3 ``Pipeline``, built offline.

One entry point, ``build_pipeline``, from the typed config and the deploy-time values
(``DeployValues``). The steps (names in ``step_names``)::

    [Snapshot ->] Preprocess -> Train|Tune -> PackageModel -> Evaluate -> Fairness -> MonitoringBaseline -> QualityGate
                                                                                         |- RegisterModel (all gates pass)
                                                                                         '- GateFailed    (otherwise)

- a model with a ``feature_group`` starts with Snapshot (``feature_store.snapshot_job``): it
  reads the group's offline store as of ``AsOfTime`` (default: the execution's start) with
  Athena, in the platform's feature store workgroup, and its ``records.csv`` is what Preprocess
  reads; the snapshot's as-of time, query digest, query execution id, rows and CSV digest go
  into the registered version's lineage. Ingestion removed the PII, so Preprocess reads no key
  and, like the later steps, runs without network. A model without a feature group has no
  Snapshot: Preprocess reads the CSV files under ``InputDataUri``;

- every processing step runs in the SageMaker XGBoost image of ``training.xgboost_version``
  (the model was trained by the same xgboost). Its one code input is the step code
  archive (``DeployValues.code_s3_uri``, a zip of ``code_bundle``'s folder); the
  entrypoint (``step_jobs``) unpacks it to ``/opt/ml/code`` and runs ``python3 -m
  pipelines_src.model_build.steps.<step>``. Nothing is installed at job start: the steps use
  only what the image ships (TreeSHAP attributions come from xgboost itself);
- every job (processing and training) runs in the platform VPC, in
  ``DeployValues.subnet_ids`` with ``DeployValues.security_group_id``, which has no internet
  path. The steps that call no AWS API run with network isolation (``StepJobs.isolated``), and
  SageMaker still moves their S3 inputs and outputs through the VPC: all but Preprocess, which
  reads the pseudonymization key from Secrets Manager (through the VPC's endpoint), and Snapshot,
  which calls SageMaker, Athena and S3;
- Train is the built-in XGBoost algorithm with ``training.hyperparameters``, reading
  the ``train`` and ``validation`` channels (CSV, label first, no header). A model with
  ``tuning.enabled`` has Tune in its place: a hyperparameter tuning job whose trials are that
  training job with ``tuning.parameter_ranges`` searched (static: the other hyperparameters),
  tagged ``model=<model>``; the steps after it read the best trial's ``model.tar.gz``. With
  ``training.spot.enabled`` the training job (each trial) runs on spot capacity and checkpoints
  to ``s3://<ArtifactBucket>/checkpoints/<model>/<exec>``;
- PackageModel (``steps.package``) makes the serving artifact: the booster plus the
  encoding and the inference code, with the execution id as the version its responses
  name. Evaluate and Fairness judge that artifact, and RegisterModel registers it, in
  script mode (``package.SERVING_ENVIRONMENT``);
- QualityGate registers when AUC >= ``MinAuc`` and, for every sensitive attribute,
  ``MinDisparateImpact`` <= DI <= ``MaxDisparateImpact`` and |DPPL| <= ``MaxAbsDppl``
  (``pipeline_parameters``); otherwise GateFailed fails the execution with ``gate.json``'s
  message; RegisterModel creates a version in the model's package group with metrics,
  drift-check baselines and lineage (both in ``registration``).

Where outputs go (``<exec>`` is the execution id): ``s3://<ArtifactBucket>/pipelines/<model>/<exec>/<step>/<output>``
for work files, ``s3://<ArtifactBucket>/models/<model>/<exec>/{metadata,baseline}/`` for
what serving accounts read (feature encoding, monitoring baselines), and the training
job's ``model.tar.gz`` under ``s3://<ArtifactBucket>/models/<model>/``; the serving artifact
at ``s3://<ArtifactBucket>/models/<model>/<exec>/model/model.tar.gz``. Volumes and
outputs are encrypted with ``DeployValues.kms_key_arn``.
"""

from collections.abc import Sequence

from sagemaker.core.parameter import ContinuousParameter, IntegerParameter
from sagemaker.core.shapes import CheckpointConfig, OutputDataConfig, ProcessingInput, StoppingCondition, Tag
from sagemaker.core.workflow.execution_variables import ExecutionVariables
from sagemaker.core.workflow.functions import Join
from sagemaker.core.workflow.pipeline_context import PipelineSession
from sagemaker.core.workflow.properties import PropertyFile
from sagemaker.mlops.workflow.pipeline import Pipeline
from sagemaker.mlops.workflow.steps import ProcessingStep, TrainingStep, TuningStep
from sagemaker.train import ModelTrainer
from sagemaker.train.tuner import HyperparameterTuner
from sagemaker.train.configs import Compute, InputData, Networking

from pipelines_src.feature_store import athena_snapshot
from pipelines_src.feature_store.snapshot_files import METADATA_FILE as SNAPSHOT_FILE
from pipelines_src.model_build import step_names
from pipelines_src.model_build.deploy_values import DeployValues
from pipelines_src.model_build.pipeline_parameters import parameters
from pipelines_src.model_build.registration import FeatureSnapshot, quality_gate, register_model
from pipelines_src.model_build.step_jobs import FEATURE_STORE_PACKAGE, MAX_RUNTIME_SECONDS, VOLUME_GB, StepJobs
from pipelines_src.model_build.steps import container_paths as paths
from pipelines_src.model_build.steps import register
from pipelines_src.model_build.steps.evaluate import EVALUATION_FILE
from pipelines_src.model_build.steps.fairness import BIAS_FILE
from pipelines_src.model_build.steps.gate import GATE_FILE
from pipelines_src.model_build.steps.preprocess import DIGEST_FILE
from platform_config import PlatformConfig
from platform_config.models import ModelConfig
from platform_config.naming import TUNING_JOB_MODEL_TAG_KEY, athena_workgroup_name, training_checkpoint_prefix

SNAPSHOT_OUTPUT = "snapshot"
# Where a training container writes checkpoints, which SageMaker syncs with the checkpoint prefix.
CHECKPOINT_DIR = "/opt/ml/checkpoints"
_RANGES = {"continuous": ContinuousParameter, "integer": IntegerParameter}


class _Tuner(HyperparameterTuner):
    """The SDK's tuner, with what its training job definition leaves out of the ModelTrainer's
    settings: the volume key and network isolation (every trial runs as the Train job would)."""

    def _build_training_job_definition(self, inputs):
        definition = super()._build_training_job_definition(inputs)
        definition.resource_config.volume_kms_key_id = self.model_trainer.compute.volume_kms_key_id
        definition.enable_network_isolation = self.model_trainer.networking.enable_network_isolation
        return definition


class _Builder:
    """Builds the data steps of one model's pipeline; each method returns one step."""

    def __init__(self, config: PlatformConfig, model: ModelConfig, values: DeployValues, session: PipelineSession):
        self.config, self.model, self.values, self.session = config, model, values, session
        self.jobs = StepJobs(config, model, values, session)
        self.params = parameters(config, model)

    def snapshot(self) -> FeatureSnapshot:
        jobs = self.jobs
        lineage = PropertyFile(name="FeatureSnapshot", output_name=SNAPSHOT_OUTPUT, path=SNAPSHOT_FILE)
        output_dir = f"{paths.OUTPUT}/{SNAPSHOT_OUTPUT}"
        step_args = jobs.processor(step_names.SNAPSHOT, "snapshot_job", FEATURE_STORE_PACKAGE).run(
            inputs=[jobs.code()],
            outputs=[jobs.output(SNAPSHOT_OUTPUT, output_dir, jobs.uri("pipelines", step_names.SNAPSHOT, SNAPSHOT_OUTPUT))],
            arguments=[
                "--feature-group", self.model.feature_group,
                "--as-of", self.params.as_of_time,
                "--execution-start", ExecutionVariables.START_DATETIME,
                "--output-dir", output_dir,
                "--workgroup", athena_workgroup_name(self.config),
                "--store", athena_snapshot.STORE,
            ],
        )
        return FeatureSnapshot(ProcessingStep(step_names.SNAPSHOT, step_args=step_args, property_files=[lineage]), lineage)

    def preprocess(self, snapshot: FeatureSnapshot | None) -> tuple[ProcessingStep, PropertyFile]:
        jobs = self.jobs
        digest = PropertyFile(name="DataDigest", output_name="metadata", path=DIGEST_FILE)
        destinations = {
            "train": jobs.uri("pipelines", step_names.PREPROCESS, "train"),
            "validation": jobs.uri("pipelines", step_names.PREPROCESS, "validation"),
            "splits": jobs.uri("pipelines", step_names.PREPROCESS, "splits"),
            "metadata": jobs.uri("models", "metadata"),
        }
        if snapshot is None:
            source, arguments = self.params.input_data_uri, ["--pii-key-secret-id", self.params.pii_key_secret_id]
        else:
            source, arguments = jobs.output_uri(snapshot.step, SNAPSHOT_OUTPUT), None
        step_args = jobs.processor(step_names.PREPROCESS, "preprocess").run(
            inputs=[jobs.code(), jobs.input("raw", source, paths.RAW)],
            outputs=[jobs.output(name, f"{paths.OUTPUT}/{name}", destinations[name]) for name in paths.PREPROCESS_OUTPUTS],
            arguments=arguments,
        )
        return ProcessingStep(step_names.PREPROCESS, step_args=step_args, property_files=[digest]), digest

    def _trainer(self) -> ModelTrainer:
        """The training job of Train, and of each trial of Tune."""
        spot = self.model.training.spot
        return ModelTrainer(
            sagemaker_session=self.session,
            role=self.values.role_arn,
            training_image=self.jobs.image,
            compute=Compute(
                instance_type=self.model.training.instance_type,
                instance_count=1,
                volume_size_in_gb=VOLUME_GB,
                volume_kms_key_id=self.values.kms_key_arn,
                enable_managed_spot_training=spot.enabled or None,
            ),
            stopping_condition=StoppingCondition(
                max_runtime_in_seconds=MAX_RUNTIME_SECONDS,
                max_wait_time_in_seconds=spot.max_wait_seconds if spot.enabled else None,
            ),
            # Per execution: a new build never resumes from an earlier build's checkpoints.
            checkpoint_config=CheckpointConfig(
                s3_uri=Join(
                    on="/",
                    values=[
                        f"s3://{self.values.artifact_bucket}/{training_checkpoint_prefix(self.model.name).rstrip('/')}",
                        ExecutionVariables.PIPELINE_EXECUTION_ID,
                    ],
                ),
                local_path=CHECKPOINT_DIR,
            ) if spot.enabled else None,
            networking=Networking(
                enable_network_isolation=step_names.TRAIN in self.jobs.isolated,
                security_group_ids=[self.values.security_group_id],
                subnets=list(self.values.subnet_ids),
            ),
            hyperparameters={name: str(value) for name, value in sorted(self.model.training.hyperparameters.items())},
            tags=[Tag(key=tag["Key"], value=tag["Value"]) for tag in self.jobs.tags],
            output_data_config=OutputDataConfig(
                s3_output_path=f"s3://{self.values.artifact_bucket}/models/{self.model.name}",
                kms_key_id=self.values.kms_key_arn,
            ),
        )

    def _channels(self, preprocess: ProcessingStep) -> list[InputData]:
        return [
            InputData(channel_name=name, data_source=self.jobs.output_uri(preprocess, name), content_type=register.CSV)
            for name in ("train", "validation")
        ]

    def train(self, preprocess: ProcessingStep) -> TrainingStep:
        step_args = self._trainer().train(input_data_config=self._channels(preprocess))
        return TrainingStep(step_names.TRAIN, step_args=step_args)

    def tune(self, preprocess: ProcessingStep) -> TuningStep:
        tuning = self.model.tuning
        tuner = _Tuner(
            model_trainer=self._trainer(),
            objective_metric_name=tuning.objective_metric,
            objective_type=tuning.objective_type,
            hyperparameter_ranges={
                name: _RANGES[bounds.type](
                    int(bounds.min_value) if bounds.type == "integer" else bounds.min_value,
                    int(bounds.max_value) if bounds.type == "integer" else bounds.max_value,
                    bounds.scaling,
                )
                for name, bounds in sorted(tuning.parameter_ranges.items())
            },
            strategy=tuning.strategy,
            max_jobs=tuning.max_jobs,
            max_parallel_jobs=tuning.max_parallel_jobs,
            early_stopping_type=tuning.early_stopping_type,
            tags=[*self.jobs.tags, {"Key": TUNING_JOB_MODEL_TAG_KEY, "Value": self.model.name}],
        )
        return TuningStep(step_names.TUNE, step_args=tuner.tune(inputs=self._channels(preprocess)))

    def model_artifact(self, training: TrainingStep | TuningStep):
        """The S3 URI of the trained model: the training job's, or the best trial's of a tuning job."""
        if isinstance(training, TuningStep):
            return training.get_top_model_s3_uri(top_k=0, s3_bucket=self.values.artifact_bucket, prefix=f"models/{self.model.name}")
        return training.properties.ModelArtifacts.S3ModelArtifacts

    def package(self, preprocess: ProcessingStep, train: TrainingStep | TuningStep) -> ProcessingStep:
        jobs = self.jobs
        step_args = jobs.processor(step_names.PACKAGE, "package").run(
            inputs=[
                jobs.code(),
                jobs.input("model", self.model_artifact(train), paths.MODEL),
                jobs.input("metadata", jobs.output_uri(preprocess, "metadata"), paths.METADATA),
            ],
            outputs=[jobs.output("model", f"{paths.OUTPUT}/model", jobs.uri("models", "model"))],
            arguments=["--model-version", ExecutionVariables.PIPELINE_EXECUTION_ID],
        )
        return ProcessingStep(step_names.PACKAGE, step_args=step_args)

    def _model_inputs(self, preprocess: ProcessingStep, package: ProcessingStep) -> list[ProcessingInput]:
        jobs = self.jobs
        return [
            jobs.code(),
            jobs.input("model", jobs.output_uri(package, "model"), paths.MODEL),
            jobs.input("splits", jobs.output_uri(preprocess, "splits"), paths.SPLITS),
            jobs.input("metadata", jobs.output_uri(preprocess, "metadata"), paths.METADATA),
        ]

    def evaluate(self, preprocess: ProcessingStep, package: ProcessingStep) -> tuple[ProcessingStep, PropertyFile]:
        jobs = self.jobs
        evaluation = PropertyFile(name="Evaluation", output_name="evaluation", path=EVALUATION_FILE)
        step_args = jobs.processor(step_names.EVALUATE, "evaluate").run(
            inputs=self._model_inputs(preprocess, package),
            outputs=[jobs.output("evaluation", f"{paths.OUTPUT}/evaluation", jobs.uri("pipelines", step_names.EVALUATE))],
        )
        return ProcessingStep(step_names.EVALUATE, step_args=step_args, property_files=[evaluation]), evaluation

    def fairness(
        self, preprocess: ProcessingStep, package: ProcessingStep, evaluate: ProcessingStep
    ) -> tuple[ProcessingStep, PropertyFile, PropertyFile]:
        jobs = self.jobs
        bias = PropertyFile(name="Bias", output_name="fairness", path=BIAS_FILE)
        gate = PropertyFile(name="Gate", output_name="fairness", path=GATE_FILE)
        step_args = jobs.processor(step_names.FAIRNESS, "fairness").run(
            inputs=[
                *self._model_inputs(preprocess, package),
                jobs.input("evaluation", jobs.output_uri(evaluate, "evaluation"), paths.EVALUATION),
            ],
            outputs=[jobs.output("fairness", f"{paths.OUTPUT}/fairness", jobs.uri("pipelines", step_names.FAIRNESS))],
            arguments=[
                "--min-auc", self.params.min_auc.to_string(),
                "--min-disparate-impact", self.params.min_disparate_impact.to_string(),
                "--max-disparate-impact", self.params.max_disparate_impact.to_string(),
                "--max-abs-dppl", self.params.max_abs_dppl.to_string(),
            ],
        )
        return ProcessingStep(step_names.FAIRNESS, step_args=step_args, property_files=[bias, gate]), bias, gate

    def baseline(self, preprocess: ProcessingStep) -> ProcessingStep:
        jobs = self.jobs
        step_args = jobs.processor(step_names.MONITORING_BASELINE, "baseline").run(
            inputs=[
                jobs.code(),
                jobs.input("splits", jobs.output_uri(preprocess, "splits"), paths.SPLITS),
            ],
            outputs=[jobs.output("baseline", f"{paths.OUTPUT}/baseline", jobs.uri("models", "baseline"))],
        )
        return ProcessingStep(step_names.MONITORING_BASELINE, step_args=step_args)


def build_pipeline(
    config: PlatformConfig, model: ModelConfig, *, pipeline_name: str, values: DeployValues, session: PipelineSession
) -> Pipeline:
    """The model's build pipeline; ``session`` must be a PipelineSession (nothing runs while building)."""
    builder = _Builder(config, model, values, session)
    jobs, params = builder.jobs, builder.params
    snapshot = builder.snapshot() if model.feature_group is not None else None
    preprocess, digest = builder.preprocess(snapshot)
    train = builder.tune(preprocess) if model.tuning.enabled else builder.train(preprocess)
    package = builder.package(preprocess, train)
    evaluate, evaluation = builder.evaluate(preprocess, package)
    fairness, bias, gate = builder.fairness(preprocess, package, evaluate)
    baseline = builder.baseline(preprocess)
    registration = register_model(
        config, model, jobs, params,
        preprocess=preprocess, digest=digest, package=package, evaluate=evaluate, fairness=fairness, baseline=baseline,
        snapshot=snapshot,
    )
    decision = quality_gate(
        model, params,
        evaluate=evaluate, evaluation=evaluation, fairness=fairness, bias=bias, gate=gate,
        registration=registration, baseline=baseline,
    )
    steps: Sequence = (*([snapshot.step] if snapshot else []), preprocess, train, package, evaluate, fairness, baseline, decision)
    return Pipeline(
        name=pipeline_name,
        parameters=params.all(),
        steps=list(steps),
        sagemaker_session=session,
        # No SageMaker Experiments trial per execution: the role is not allowed to create them.
        pipeline_experiment_config=None,
    )
