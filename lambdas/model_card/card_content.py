"""A model version's card, in SageMaker's model card JSON schema, from what its build run recorded.

``card_content`` is free of AWS calls. It takes the version as the registry describes it
(``DescribeModelPackage``; the local run's ``registration_request.json`` has the same keys),
the run's reports (``RunReports``) and the model's intended use, and fills:

- ``model_overview``: the model, its version, the algorithm (the XGBoost image), the build
  pipeline execution as its creator, the artifact and the inference image;
- ``intended_uses``: the config's section (``platform_config.intended_use``); without one,
  risk ``Unknown`` and a note that no use was declared;
- ``training_details``: rows and splits (``preprocess_report.json``), the data digest and, for a
  model trained on a feature group, the snapshot (as of, id, rows, CSV digest);
- ``evaluation_details``: the test split's quality (``evaluation.json``: AUC, accuracy, F1,
  precision, recall with bootstrap standard deviations, the confusion matrix) and fairness
  per sensitive attribute (``bias.json``: DI and DPPL with their bootstrap intervals, and the
  size, positive labels and positive predictions of both groups), or why fairness does not apply;
- ``model_package_details``: the version's ARN, group, number, status and approval;
- ``additional_information.custom_details``: the lineage (commit, execution, digests) and,
  once decided, the decision (``with_decision``).

``with_decision`` records the approver's decision on a card, once per decision: a card that
already records the version's status is returned unchanged, so repeated events (SageMaker
resends; every later update of an approved version, such as the deployment recorder's,
emits ``Approved`` again) change nothing. ``card_status`` is the card's own status for a
registry status: awaiting the approver ``PendingReview``, approved ``Approved``, rejected
``Draft`` (not approved; ``Archived`` would freeze a card whose version may still be approved).
"""

import copy
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

ApprovalStatus = str
PENDING = "PendingManualApproval"
CARD_STATUS = {PENDING: "PendingReview", "Approved": "Approved", "Rejected": "Draft"}
QUALITY_METRICS = ("auc", "accuracy", "f1", "precision", "recall")
# Post-training metrics the gate judges; bias.json holds more, the build report shows them all.
FAIRNESS_METRICS = ("DI", "DPPL")
# The schema's limits (``AWS::SageMaker::ModelCard``): names of metric groups, observations,
# custom detail values, string metric values.
GROUP_NAME_LIMIT = 63
OBSERVATION_LIMIT = 1024
DETAIL_LIMIT = 1024
STRING_VALUE_LIMIT = 63
NOT_DECLARED = "Not declared in the platform config (models.intended_use)."

# CustomerMetadataProperties the card carries as lineage, under the card's own key names.
LINEAGE = {
    "GitCommit": "git_commit",
    "PipelineExecutionArn": "pipeline_execution_arn",
    "ModelVersion": "model_version",
    "DataDigest": "data_digest",
    "TriggerReason": "trigger_reason",
    "FeatureSnapshotAsOf": "feature_snapshot_as_of",
    "FeatureSnapshotId": "feature_snapshot_id",
    "FeatureSnapshotRows": "feature_snapshot_rows",
    "FeatureSnapshotSha256": "feature_snapshot_sha256",
    "FeatureSnapshotQuerySha256": "feature_snapshot_query_sha256",
}


@dataclass(frozen=True)
class RunReports:
    """The build run's JSON reports the card is filled from."""

    evaluation: dict[str, Any]
    bias: dict[str, Any]
    preprocess: dict[str, Any]


@dataclass(frozen=True)
class Decision:
    """The registry's decision on a version: its status, who set it, when, and the approver's note."""

    status: ApprovalStatus
    decided_by: str
    decided_at: str
    description: str | None = None


def card_status(approval_status: ApprovalStatus) -> str:
    return CARD_STATUS[approval_status]


def decision_of(package: dict[str, Any]) -> Decision:
    """The decision a ``DescribeModelPackage`` response records (its last modification)."""
    modified_by = package.get("LastModifiedBy") or {}
    identity = (modified_by.get("IamIdentity") or {}).get("Arn")
    profile = modified_by.get("UserProfileName")
    who = " / ".join(part for part in (profile and f"Studio user {profile}", identity) if part) or "unknown"
    when = package.get("LastModifiedTime")
    if isinstance(when, datetime):
        when = when.astimezone(timezone.utc).isoformat()
    return Decision(package["ModelApprovalStatus"], who, str(when or "unknown"), package.get("ApprovalDescription"))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number_or_text(name: str, value: Any, notes: str | None = None) -> dict[str, Any]:
    metric: dict[str, Any] = {"name": name}
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        metric.update(type="string", value=_clip("undefined" if value is None else str(value), STRING_VALUE_LIMIT))
    else:
        metric.update(type="number", value=value)
    if notes:
        metric["notes"] = notes
    return metric


def _overview(model_name: str, package: dict[str, Any]) -> dict[str, Any]:
    container = package["InferenceSpecification"]["Containers"][0]
    metadata = package.get("CustomerMetadataProperties", {})
    overview: dict[str, Any] = {
        "model_name": model_name,
        "problem_type": "Binary classification",
        "model_creator": _clip(f"build pipeline execution {metadata.get('PipelineExecutionArn', 'unknown')}", 1024),
        "model_artifact": [container["ModelDataUrl"]],
        "inference_environment": {"container_image": [container["Image"]]},
    }
    if "xgboost" in container["Image"]:
        overview["algorithm_type"] = "XGBoost (gradient boosted trees)"
    if package.get("ModelPackageVersion"):
        overview["model_version"] = package["ModelPackageVersion"]
    if package.get("ModelPackageDescription"):
        overview["model_description"] = _clip(package["ModelPackageDescription"], 1024)
    return overview


def _training(package: dict[str, Any], preprocess: dict[str, Any]) -> dict[str, Any]:
    metadata = package.get("CustomerMetadataProperties", {})
    splits = preprocess["splits"]
    sizes = ", ".join(f"{name} {split['rows']}" for name, split in splits.items())
    observation = (
        f"{preprocess['rows']} rows from {preprocess['source'].replace('_', ' ')} ({sizes}); "
        f"data digest {metadata.get('DataDigest', 'unknown')}"
    )
    datasets = [metadata.get("DataDigest", "unknown")]
    if metadata.get("FeatureSnapshotId"):
        snapshot = (
            f"feature snapshot {metadata['FeatureSnapshotId']} as of {metadata.get('FeatureSnapshotAsOf')} "
            f"({metadata.get('FeatureSnapshotRows')} rows, CSV sha256:{metadata.get('FeatureSnapshotSha256')})"
        )
        observation += f"; {snapshot}"
        datasets.append(snapshot)
    removed = {action: names for action, names in preprocess.get("pii", {}).items() if names}
    if removed:
        observation += "; PII " + ", ".join(f"{action}: {', '.join(names)}" for action, names in removed.items())
    container = package["InferenceSpecification"]["Containers"][0]
    return {
        "training_observations": _clip(observation, OBSERVATION_LIMIT),
        "training_job_details": {
            "training_datasets": [_clip(dataset, 1024) for dataset in datasets],
            "training_environment": {"container_image": [container["Image"]]},
        },
    }


def _quality(evaluation: dict[str, Any]) -> dict[str, Any]:
    metrics = evaluation["binary_classification_metrics"]
    data = [
        _number_or_text(name, metrics[name]["value"], f"bootstrap standard deviation {metrics[name]['standard_deviation']:.4f}")
        for name in QUALITY_METRICS
        if name in metrics
    ]
    matrix = metrics["confusion_matrix"]
    data.append({
        "name": "confusion matrix",
        "type": "matrix",
        "value": [[matrix[actual][predicted] for predicted in ("0", "1")] for actual in ("0", "1")],
        "x_axis_name": ["predicted negative", "predicted positive"],
        "y_axis_name": ["actual negative", "actual positive"],
    })
    positive = evaluation.get("positive_label")
    return {
        "name": "Model quality (test split)",
        "evaluation_observation": _clip(
            f"{evaluation['rows']} held-out rows; a row is predicted positive"
            f"{f' ({positive})' if positive else ''} at a score of at least {evaluation['threshold']}.",
            OBSERVATION_LIMIT,
        ),
        "datasets": ["test split"],
        "metadata": {"rows": str(evaluation["rows"]), "threshold": str(evaluation["threshold"])},
        "metric_groups": [{"name": "Binary classification", "metric_data": data}],
    }


def _facet_metrics(entry: dict[str, Any]) -> list[dict[str, Any]]:
    intervals = entry.get("confidence_intervals", {})
    data = []
    for metric in entry["metrics"]:
        if metric["name"] not in FAIRNESS_METRICS:
            continue
        interval = intervals.get(metric["name"])
        notes = metric.get("description", "")
        if interval and interval.get("low") is not None:
            notes += f"; bootstrap interval [{interval['low']:.3f}, {interval['high']:.3f}]"
        data.append(_number_or_text(metric["name"], metric["value"], _clip(notes, 1024) or None))
    for group, meaning in (("d", f"group d ({entry['facet_d']})"), ("a", "group a (everyone else)")):
        for count, value in entry["groups"][group].items():
            data.append(_number_or_text(f"{count.replace('_', ' ')} of {group}", value, _clip(meaning, 1024)))
    return data


def _fairness(bias: dict[str, Any]) -> dict[str, Any]:
    post = bias["post_training_bias_metrics"]
    details: dict[str, Any] = {"name": "Fairness (test split)", "datasets": ["test split"]}
    if bias.get("fairness_not_applicable"):
        details["evaluation_observation"] = _clip(f"Not applicable: {bias['fairness_not_applicable']}", OBSERVATION_LIMIT)
        return details
    groups = []
    for column, entries in sorted(post["facets"].items()):
        for entry in entries:
            groups.append({"name": _clip(column, GROUP_NAME_LIMIT), "metric_data": _facet_metrics(entry)})
    facets = "; ".join(
        f"{column}: d = {sizes['facet_d']} ({sizes['d']} rows), a = {sizes['a']} rows"
        for column, sizes in sorted(bias["group_rows"].items())
    )
    details["evaluation_observation"] = _clip(
        f"Post-training bias of the predictions at P({post['label']} = {post['label_value_or_threshold']}) >= "
        f"{post['probability_threshold']}, per sensitive attribute; {facets}.",
        OBSERVATION_LIMIT,
    )
    details["metric_groups"] = groups
    return details


def _package_details(package: dict[str, Any]) -> dict[str, Any]:
    container = package["InferenceSpecification"]["Containers"][0]
    details = {
        "model_package_arn": package.get("ModelPackageArn"),
        "model_package_group_name": package.get("ModelPackageGroupName"),
        "model_package_version": package.get("ModelPackageVersion"),
        "model_package_status": package.get("ModelPackageStatus"),
        "model_approval_status": package["ModelApprovalStatus"],
        "inference_specification": {"containers": [{"image": container["Image"], "model_data_url": container["ModelDataUrl"]}]},
    }
    return {key: value for key, value in details.items() if value is not None}


def card_content(
    model_name: str, package: dict[str, Any], reports: RunReports, intended_use: dict[str, str] | None
) -> dict[str, Any]:
    """The card of the version ``package`` describes, as registered (no decision yet)."""
    metadata = package.get("CustomerMetadataProperties", {})
    lineage = {card_key: _clip(metadata[key], DETAIL_LIMIT) for key, card_key in LINEAGE.items() if metadata.get(key)}
    additional: dict[str, Any] = {"custom_details": lineage}
    if intended_use is None:
        additional["caveats_and_recommendations"] = (
            "The model's intended use was not declared when this version was registered: its risk is rated Unknown."
        )
    content = {
        "model_overview": _overview(model_name, package),
        "intended_uses": dict(intended_use) if intended_use else {"intended_uses": NOT_DECLARED, "risk_rating": "Unknown"},
        "training_details": _training(package, reports.preprocess),
        "evaluation_details": [_quality(reports.evaluation), _fairness(reports.bias)],
        "model_package_details": {**_package_details(package), "model_approval_status": PENDING},
        "additional_information": additional,
    }
    return content


def recorded_status(content: dict[str, Any]) -> ApprovalStatus | None:
    return content.get("model_package_details", {}).get("model_approval_status")


def with_decision(content: dict[str, Any], decision: Decision) -> dict[str, Any]:
    """``content`` recording ``decision``; unchanged when the card already records that status."""
    if recorded_status(content) == decision.status:
        return content
    updated = copy.deepcopy(content)
    details = updated.setdefault("model_package_details", {})
    details["model_approval_status"] = decision.status
    details.pop("approval_description", None)
    custom = updated.setdefault("additional_information", {}).setdefault("custom_details", {})
    for key in ("decision", "decided_by", "decided_at", "decision_description"):
        custom.pop(key, None)
    if decision.status != PENDING:
        custom.update(decision=decision.status, decided_by=_clip(decision.decided_by, DETAIL_LIMIT), decided_at=decision.decided_at)
        if decision.description:
            details["approval_description"] = _clip(decision.description, 1024)
            custom["decision_description"] = _clip(decision.description, DETAIL_LIMIT)
    return updated
