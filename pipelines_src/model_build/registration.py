"""The end of the build pipeline: ``QualityGate``, then ``RegisterModel`` or ``GateFailed``.

- ``quality_gate`` registers when AUC >= ``MinAuc`` and, for every sensitive attribute,
  ``MinDisparateImpact`` <= DI <= ``MaxDisparateImpact`` and |DPPL| <= ``MaxAbsDppl``
  (the bounds the monitors judge captured traffic with); otherwise ``GateFailed`` fails the
  execution with ``gate.json``'s message (which gate, by how much). It waits for the
  monitoring baseline, which registration names.
- ``register_model`` creates a version in the model's package group with
  ``ModelApprovalStatus``, model metrics, drift-check baselines and lineage
  (``steps.register``; ``ModelVersion`` is the execution id), serving PackageModel's artifact
  in script mode (``package.SERVING_ENVIRONMENT``). A model that reads a feature group adds its
  Snapshot step's lineage (``snapshot_files``: as-of time, query SHA-256, query execution id,
  rows, CSV SHA-256), read from the step's ``snapshot.json``.
"""

from dataclasses import dataclass


from sagemaker.core.drift_check_baselines import DriftCheckBaselines
from sagemaker.core.model_metrics import MetricsSource, ModelMetrics
from sagemaker.core.workflow.conditions import ConditionGreaterThanOrEqualTo, ConditionLessThanOrEqualTo
from sagemaker.core.workflow.execution_variables import ExecutionVariables
from sagemaker.core.workflow.functions import Join, JsonGet
from sagemaker.core.workflow.properties import PropertyFile
from sagemaker.mlops.workflow.condition_step import ConditionStep
from sagemaker.mlops.workflow.fail_step import FailStep
from sagemaker.mlops.workflow.model_step import ModelStep
from sagemaker.mlops.workflow.steps import ProcessingStep
from sagemaker.serve.model_builder import ModelBuilder

from pipelines_src.feature_store import snapshot_files
from pipelines_src.model_build import step_names
from pipelines_src.model_build.images import xgboost_image_uri
from pipelines_src.model_build.model_settings import serving_instance_types
from pipelines_src.model_build.pipeline_parameters import Parameters
from pipelines_src.model_build.step_jobs import StepJobs
from pipelines_src.model_build.steps import register
from pipelines_src.model_build.steps.baseline import CONSTRAINTS_FILE, STATISTICS_FILE
from pipelines_src.model_build.steps.evaluate import AUC_PATH, EVALUATION_FILE
from pipelines_src.model_build.steps.fairness import BIAS_FILE, EXPLAINABILITY_FILE
from pipelines_src.model_build.steps.features import ENCODING_FILE
from pipelines_src.model_build.steps.gate import MESSAGE_PATH
from pipelines_src.model_build.steps.model_artifact import ARCHIVE
from pipelines_src.model_build.steps.package import SERVING_ENVIRONMENT
from platform_config import PlatformConfig
from platform_config.models import ModelConfig
from platform_config.naming import model_package_group_name


@dataclass(frozen=True)
class FeatureSnapshot:
    """The Snapshot step and its ``snapshot.json`` property file."""

    step: ProcessingStep
    lineage: PropertyFile

    def metadata(self) -> dict:
        """The registered version's snapshot lineage; each value a string, as CustomerMetadataProperties want."""

        def field(name: str) -> JsonGet:
            return JsonGet(step_name=self.step.name, property_file=self.lineage, json_path=name)

        return {
            snapshot_files.AS_OF: field("as_of"),
            snapshot_files.QUERY_SHA256: field("query_sha256"),
            snapshot_files.SNAPSHOT_ID: field("snapshot_id"),
            # snapshot.json holds the row count as a number: Join makes it a string.
            snapshot_files.ROWS: Join(on="", values=[field("rows")]),
            snapshot_files.CSV_SHA256: field("sha256"),
        }


def register_model(
    config: PlatformConfig,
    model: ModelConfig,
    jobs: StepJobs,
    params: Parameters,
    *,
    preprocess: ProcessingStep,
    digest: PropertyFile,
    package: ProcessingStep,
    evaluate: ProcessingStep,
    fairness: ProcessingStep,
    baseline: ProcessingStep,
    snapshot: FeatureSnapshot | None = None,
) -> ModelStep:
    def file(step: ProcessingStep, output: str, name: str) -> MetricsSource:
        return MetricsSource(content_type=register.JSON, s3_uri=Join(on="/", values=[jobs.output_uri(step, output), name]))

    builder = ModelBuilder(
        image_uri=xgboost_image_uri(config.region, model.training.xgboost_version, scope="inference"),
        s3_model_data_url=Join(on="/", values=[jobs.output_uri(package, "model"), ARCHIVE]),
        env_vars=dict(SERVING_ENVIRONMENT),
        role_arn=jobs.values.role_arn,
        sagemaker_session=jobs.session,
    )
    instance_types = serving_instance_types(model)
    step_args = builder.register(
        model_package_group_name=model_package_group_name(config, model.name),
        content_types=list(register.REQUEST_TYPES),
        response_types=list(register.RESPONSE_TYPES),
        inference_instances=instance_types,
        transform_instances=instance_types,
        approval_status=params.approval_status,
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
            register.GIT_COMMIT: params.git_commit,
            register.PIPELINE_EXECUTION: ExecutionVariables.PIPELINE_EXECUTION_ARN,
            register.DATA_DIGEST: JsonGet(step_name=preprocess.name, property_file=digest, json_path="digest"),
            register.TRIGGER_REASON: params.trigger_reason,
            register.FEATURE_ENCODING: Join(on="/", values=[jobs.output_uri(preprocess, "metadata"), ENCODING_FILE]),
            register.MODEL_VERSION: ExecutionVariables.PIPELINE_EXECUTION_ID,
            **(snapshot.metadata() if snapshot else {}),
        },
    )
    return ModelStep(step_names.REGISTER, step_args=step_args)


def quality_gate(
    model: ModelConfig,
    params: Parameters,
    *,
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
            left=JsonGet(step_name=evaluate.name, property_file=evaluation, json_path=AUC_PATH), right=params.min_auc
        )
    ]
    for attribute in model.sensitive_attributes:
        impact = JsonGet(step_name=fairness.name, property_file=bias, json_path=f"disparate_impact.{attribute.column}")
        conditions += [
            ConditionGreaterThanOrEqualTo(left=impact, right=params.min_disparate_impact),
            ConditionLessThanOrEqualTo(left=impact, right=params.max_disparate_impact),
            ConditionLessThanOrEqualTo(
                left=JsonGet(step_name=fairness.name, property_file=bias, json_path=f"abs_dppl.{attribute.column}"),
                right=params.max_abs_dppl,
            ),
            ConditionGreaterThanOrEqualTo(
                left=JsonGet(step_name=fairness.name, property_file=bias, json_path=f"smallest_group.{attribute.column}"),
                right=model.gates.min_group_size,
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
