"""Registration: what a model version carries into the registry.

In the pipeline, the ``RegisterModel`` step sends this CreateModelPackage request (the
definition builds it from the same constants); the local runner writes it to
``registration_request.json`` instead of sending it. A version carries:

- the inference container: the XGBoost image in script mode (``Environment``:
  ``SAGEMAKER_PROGRAM`` / ``SAGEMAKER_SUBMIT_DIRECTORY``, ``steps.package``) and the
  serving ``model.tar.gz`` (booster, encoding, inference code), taking raw records as
  ``text/csv`` or ``application/json`` and answering JSON (or CSV);
- ``ModelMetrics``: ``ModelQuality.Statistics`` = ``evaluation.json``, ``Bias.Report`` =
  ``bias.json``, ``Explainability.Report`` = ``explainability.json``;
- ``DriftCheckBaselines.ModelDataQuality``: the monitoring baseline's
  ``statistics.json`` and ``constraints.json``;
- lineage in ``CustomerMetadataProperties`` (keys in ``METADATA_KEYS``); ``ModelVersion``
  is the ``model_version`` every response of this version carries (the pipeline execution id).
  A build that read a feature group snapshot adds the snapshot's lineage, all of
  ``feature_store.snapshot_files.LINEAGE_KEYS`` (as-of time, query SHA-256, snapshot id, rows,
  CSV SHA-256), so the same version can be rebuilt from the same data.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from pipelines_src.feature_store.snapshot_files import LINEAGE_KEYS as SNAPSHOT_LINEAGE_KEYS

JSON = "application/json"
CSV = "text/csv"
APPROVAL_PENDING = "PendingManualApproval"

GIT_COMMIT = "GitCommit"
PIPELINE_EXECUTION = "PipelineExecutionArn"
DATA_DIGEST = "DataDigest"
TRIGGER_REASON = "TriggerReason"
FEATURE_ENCODING = "FeatureEncodingUri"
MODEL_VERSION = "ModelVersion"
METADATA_KEYS = (GIT_COMMIT, PIPELINE_EXECUTION, DATA_DIGEST, TRIGGER_REASON, FEATURE_ENCODING, MODEL_VERSION)
# What the endpoint reads and answers (pipelines_src.serving).
REQUEST_TYPES = (CSV, JSON)
RESPONSE_TYPES = (JSON, CSV)


def registration_request(
    *,
    model_package_group: str,
    image_uri: str,
    model_data_url: str,
    environment: Mapping[str, str],
    approval_status: str,
    instance_types: Sequence[str],
    evaluation_uri: str,
    bias_uri: str,
    explainability_uri: str,
    statistics_uri: str,
    constraints_uri: str,
    metadata: Mapping[str, str],
) -> dict[str, Any]:
    """The CreateModelPackage request of one model version; ``metadata`` needs every ``METADATA_KEYS`` key."""
    missing = [key for key in METADATA_KEYS if not metadata.get(key)]
    if missing:
        raise ValueError(f"lineage metadata missing: {missing}")
    snapshot = [key for key in SNAPSHOT_LINEAGE_KEYS if metadata.get(key)]
    if snapshot and len(snapshot) < len(SNAPSHOT_LINEAGE_KEYS):
        raise ValueError(f"snapshot lineage incomplete: missing {[key for key in SNAPSHOT_LINEAGE_KEYS if key not in snapshot]}")
    return {
        "ModelPackageGroupName": model_package_group,
        "ModelApprovalStatus": approval_status,
        "InferenceSpecification": {
            "Containers": [{"Image": image_uri, "ModelDataUrl": model_data_url, "Environment": dict(environment)}],
            "SupportedContentTypes": list(REQUEST_TYPES),
            "SupportedResponseMIMETypes": list(RESPONSE_TYPES),
            "SupportedRealtimeInferenceInstanceTypes": list(instance_types),
            "SupportedTransformInstanceTypes": list(instance_types),
        },
        "ModelMetrics": {
            "ModelQuality": {"Statistics": {"ContentType": JSON, "S3Uri": evaluation_uri}},
            "Bias": {"Report": {"ContentType": JSON, "S3Uri": bias_uri}},
            "Explainability": {"Report": {"ContentType": JSON, "S3Uri": explainability_uri}},
        },
        "DriftCheckBaselines": {
            "ModelDataQuality": {
                "Statistics": {"ContentType": JSON, "S3Uri": statistics_uri},
                "Constraints": {"ContentType": JSON, "S3Uri": constraints_uri},
            }
        },
        "CustomerMetadataProperties": {key: metadata[key] for key in (*METADATA_KEYS, *snapshot)},
    }
