"""The build pipeline's parameters: what an execution may override, with the model's config as defaults.

``MinAuc``, ``MinDisparateImpact``, ``MaxDisparateImpact`` and ``MaxAbsDppl`` are the quality
gate's bounds; ``ModelApprovalStatus`` the status RegisterModel gives the version;
``GitCommit`` and ``TriggerReason`` its lineage; ``InputDataUri`` and ``PiiKeySecretId`` what
Preprocess reads.
"""

from dataclasses import dataclass, fields

from sagemaker.core.workflow.parameters import ParameterFloat, ParameterString

from pipelines_src.model_build.steps import register
from platform_config import PlatformConfig
from platform_config.models import ModelConfig
from platform_config.naming import dev_bucket_name, pii_key_secret_name


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
