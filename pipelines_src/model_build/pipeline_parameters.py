"""The build pipeline's parameters: what an execution may override, with the model's config as defaults.

``MinAuc``, ``MinDisparateImpact``, ``MaxDisparateImpact`` and ``MaxAbsDppl`` are the quality
gate's bounds; ``ModelApprovalStatus`` the status RegisterModel gives the version;
``GitCommit`` and ``TriggerReason`` its lineage. What Preprocess reads: for a model without a
feature group, ``InputDataUri`` (the raw CSV files) and ``PiiKeySecretId`` (the pseudonymization
key); for a model with one, ``AsOfTime``, the time the Snapshot step reads the feature group as of
(ISO-8601 with its zone; the default, ``execution-start``, is the execution's start), and no key:
ingestion removed the PII.
"""

from dataclasses import dataclass, fields

from sagemaker.core.workflow.parameters import ParameterFloat, ParameterString

from pipelines_src.feature_store.snapshot_job import EXECUTION_START
from pipelines_src.model_build.steps import register
from platform_config import PlatformConfig
from platform_config.models import ModelConfig
from platform_config.naming import dev_bucket_name, pii_key_secret_name


@dataclass(frozen=True)
class Parameters:
    input_data_uri: ParameterString | None
    approval_status: ParameterString
    min_auc: ParameterFloat
    min_disparate_impact: ParameterFloat
    max_disparate_impact: ParameterFloat
    max_abs_dppl: ParameterFloat
    git_commit: ParameterString
    trigger_reason: ParameterString
    pii_key_secret_id: ParameterString | None
    as_of_time: ParameterString | None

    def all(self) -> list:
        return [getattr(self, field.name) for field in fields(self) if getattr(self, field.name) is not None]


def parameters(config: PlatformConfig, model: ModelConfig) -> Parameters:
    low, high = model.gates.disparate_impact_band
    reads_files = model.feature_group is None
    return Parameters(
        input_data_uri=ParameterString("InputDataUri", default_value=f"s3://{dev_bucket_name(config, 'raw')}/{model.name}/")
        if reads_files
        else None,
        approval_status=ParameterString("ModelApprovalStatus", default_value=register.APPROVAL_PENDING),
        min_auc=ParameterFloat("MinAuc", default_value=model.gates.min_auc),
        min_disparate_impact=ParameterFloat("MinDisparateImpact", default_value=low),
        max_disparate_impact=ParameterFloat("MaxDisparateImpact", default_value=high),
        max_abs_dppl=ParameterFloat("MaxAbsDppl", default_value=model.gates.max_abs_dppl),
        git_commit=ParameterString("GitCommit", default_value="unknown"),
        trigger_reason=ParameterString("TriggerReason", default_value="manual"),
        pii_key_secret_id=ParameterString("PiiKeySecretId", default_value=pii_key_secret_name(config, model.name))
        if reads_files
        else None,
        as_of_time=None if reads_files else ParameterString("AsOfTime", default_value=EXECUTION_START),
    )
