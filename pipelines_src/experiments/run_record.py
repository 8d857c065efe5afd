"""One build, as an MLflow run: the record both the local run and the cloud's experiment logger write.

``run_record`` turns a build's outputs (the files its steps wrote) and its lineage into a
``RunRecord``; the local run logs it with the MLflow client (``experiments.local_tracking``), the
experiment logger Lambda through the tracking server's REST API. Both get the same names:

- **experiment**: the model's name (``credit-risk``);
- **params**: the hyperparameters under their config names (``eta``, ``max_depth``,
  ``num_round``...), the other training settings as ``training.<name>``, the data as ``data.*``
  (source, rows, feature group), the contract as ``contract.*`` (label, positive label, PII
  columns), ``sensitive_attributes`` and the gates as ``gates.*``;
- **metrics**: the test split's ``auc``, ``accuracy``, ``f1``, ``precision``, ``recall`` (each with
  ``<name>_std``, its bootstrap standard deviation) and confusion counts (``true_positives``...);
  per sensitive attribute, ``disparate_impact.<column>``, ``dppl.<column>``,
  ``smallest_group.<column>``, and every bias metric of ``bias.json`` as
  ``bias.post.<column>.<metric>`` / ``bias.pre.<column>.<metric>``; ``gate_passed`` (1 or 0);
- **tags**: ``git_commit`` (also MLflow's own ``mlflow.source.git.commit``), ``data_sha256`` (the
  hex SHA-256 of the build's ``DataDigest``), ``model_name``, ``model_version``,
  ``pipeline_execution`` (the execution ARN, or ``local:<UTC time>``), ``run_source``
  (``local`` / ``cloud``), ``gate`` (``passed`` / ``failed``) and ``gate_message``, the feature
  snapshot's lineage (``feature_snapshot.as_of``...) when the build read one, and
  ``model_package_arn`` when the build registered a version;
- **artifacts**: ``evaluation/evaluation.json``, ``fairness/{bias,explainability,gate}.json``, the
  build report ``fairness/report.html`` and the serving artifact ``model/model.tar.gz``.

Only the standard library: the experiment logger Lambda ships this file beside its handler.
"""

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

GIT_COMMIT = "git_commit"
DATA_SHA256 = "data_sha256"
MODEL_NAME = "model_name"
MODEL_VERSION = "model_version"
PIPELINE_EXECUTION = "pipeline_execution"
RUN_SOURCE = "run_source"
GATE = "gate"
GATE_MESSAGE = "gate_message"
MODEL_PACKAGE_ARN = "model_package_arn"
PIPELINE_STATUS = "pipeline_status"
FAILURE_REASON = "failure_reason"
# MLflow's own tags: the UI shows the commit and the run's name from them.
MLFLOW_GIT_COMMIT = "mlflow.source.git.commit"
MLFLOW_RUN_NAME = "mlflow.runName"
MLFLOW_SOURCE_NAME = "mlflow.source.name"
AUC = "auc"
SOURCES = ("local", "cloud")

# The files a build leaves behind, by their path inside the run's artifacts; each step's own
# constant names the same file (tests/experiments check they agree).
EVALUATION = "evaluation/evaluation.json"
BIAS = "fairness/bias.json"
EXPLAINABILITY = "fairness/explainability.json"
GATE_REPORT = "fairness/gate.json"
BUILD_REPORT = "fairness/report.html"
MODEL_ARCHIVE = "model/model.tar.gz"
ARTIFACTS = (EVALUATION, BIAS, EXPLAINABILITY, GATE_REPORT, BUILD_REPORT, MODEL_ARCHIVE)

# The registered version's lineage keys (pipelines_src.model_build.steps.register,
# pipelines_src.feature_store.snapshot_files) and the run tags they become.
_SNAPSHOT_TAGS = {
    "FeatureSnapshotAsOf": "feature_snapshot.as_of",
    "FeatureSnapshotQuerySha256": "feature_snapshot.query_sha256",
    "FeatureSnapshotId": "feature_snapshot.id",
    "FeatureSnapshotRows": "feature_snapshot.rows",
    "FeatureSnapshotSha256": "feature_snapshot.sha256",
}
_QUALITY = ("auc", "accuracy", "f1", "precision", "recall")
_CONFUSION = {("1", "1"): "true_positives", ("0", "1"): "false_positives", ("0", "0"): "true_negatives",
              ("1", "0"): "false_negatives"}
_TRAINING_SETTINGS = ("seed", "test_fraction", "validation_fraction", "exclude_sensitive_attributes")

# MLflow's limits (mlflow.utils.validation): names of at most 250 characters made of these
# characters, param values of at most 6000, tag values of at most 8000 (the store's column sizes).
MAX_NAME = 250
MAX_PARAM_VALUE = 6000
MAX_TAG_VALUE = 8000
_NAME = re.compile(r"^[\w\-. /]+$")
# One log-batch request holds at most 1000 metrics, 100 params and 100 tags, 1000 entries in all.
BATCH_METRICS, BATCH_PARAMS, BATCH_TAGS, BATCH_TOTAL = 1000, 100, 100, 1000


class RunRecordError(ValueError):
    """A build's outputs that cannot become a run (a missing file, a malformed value); names the field."""


@dataclass(frozen=True)
class RunRecord:
    """What one MLflow run holds; ``artifacts`` maps a path inside the run to where the file is now
    (a local path or an ``s3://`` URI)."""

    experiment: str
    run_name: str
    params: dict[str, str]
    metrics: dict[str, float]
    tags: dict[str, str]
    artifacts: dict[str, str] = field(default_factory=dict)

    def batches(self) -> Iterator[dict[str, list[dict[str, Any]]]]:
        """The params, metrics and tags cut into log-batch requests within MLflow's limits, as
        the REST API's ``runs/log-batch`` body (without ``run_id``); every metric at step 0 with
        timestamp 0, replaced by the caller's."""
        params = [{"key": key, "value": value} for key, value in sorted(self.params.items())]
        metrics = [{"key": key, "value": value, "step": 0, "timestamp": 0} for key, value in sorted(self.metrics.items())]
        tags = [{"key": key, "value": value} for key, value in sorted(self.tags.items())]
        while params or metrics or tags:
            batch = {"params": params[:BATCH_PARAMS], "tags": tags[:BATCH_TAGS]}
            room = BATCH_TOTAL - len(batch["params"]) - len(batch["tags"])
            batch["metrics"] = metrics[: min(BATCH_METRICS, room)]
            params, tags, metrics = params[len(batch["params"]):], tags[len(batch["tags"]):], metrics[len(batch["metrics"]):]
            yield batch


@dataclass(frozen=True)
class BuildOutputs:
    """The JSON files a build's steps wrote, parsed: ``settings`` (``model_settings.json``),
    ``evaluation`` (``evaluation.json``), ``bias`` (``bias.json``), ``gate`` (``gate.json``),
    ``digest`` (Preprocess's ``data_digest.json``), ``preprocess_report``
    (``preprocess_report.json``)."""

    settings: Mapping[str, Any]
    evaluation: Mapping[str, Any]
    bias: Mapping[str, Any]
    gate: Mapping[str, Any]
    digest: Mapping[str, Any]
    preprocess_report: Mapping[str, Any]


def run_record(
    outputs: BuildOutputs,
    *,
    source: str,
    execution: str,
    model_version: str,
    git_commit: str,
    lineage: Mapping[str, str] | None = None,
    artifacts: Mapping[str, str] | None = None,
    model_package_arn: str | None = None,
    pipeline_status: str | None = None,
) -> RunRecord:
    """The run of one build. ``execution`` is the pipeline execution ARN (cloud) or the local
    version; ``lineage`` may carry the feature snapshot's registration keys (``FeatureSnapshot*``);
    ``artifacts`` maps names of ``ARTIFACTS`` to where each file is."""
    if source not in SOURCES:
        raise RunRecordError(f"source: {source!r} is not one of {list(SOURCES)}")
    unknown = sorted(set(artifacts or {}) - set(ARTIFACTS))
    if unknown:
        raise RunRecordError(f"artifacts: {unknown} are not among {list(ARTIFACTS)}")
    model = _text(outputs.settings, "model_name", "model_settings.json")
    tags = {
        GIT_COMMIT: git_commit,
        MLFLOW_GIT_COMMIT: git_commit,
        DATA_SHA256: data_sha256(outputs.digest),
        MODEL_NAME: model,
        MODEL_VERSION: model_version,
        PIPELINE_EXECUTION: execution,
        RUN_SOURCE: source,
        GATE: "passed" if outputs.gate.get("passed") is True else "failed",
        GATE_MESSAGE: str(outputs.gate.get("message", "")),
        MLFLOW_RUN_NAME: run_name(model, model_version),
        MLFLOW_SOURCE_NAME: execution,
        **{tag: str(lineage[key]) for key, tag in _SNAPSHOT_TAGS.items() if lineage and lineage.get(key)},
    }
    if model_package_arn:
        tags[MODEL_PACKAGE_ARN] = model_package_arn
    if pipeline_status:
        tags[PIPELINE_STATUS] = pipeline_status
    return RunRecord(
        experiment=model,
        run_name=run_name(model, model_version),
        params=_checked(params_of(outputs), MAX_PARAM_VALUE, "param"),
        metrics=metrics_of(outputs),
        tags=_checked(tags, MAX_TAG_VALUE, "tag"),
        artifacts=dict(artifacts or {}),
    )


def incomplete_run_record(
    *, model: str, source: str, execution: str, model_version: str, git_commit: str, reason: str, pipeline_status: str
) -> RunRecord:
    """The run of a build that stopped before its evaluation (no metrics, no artifacts): its tags
    and ``failure_reason``, so the experiment still shows every execution."""
    if source not in SOURCES:
        raise RunRecordError(f"source: {source!r} is not one of {list(SOURCES)}")
    tags = {
        GIT_COMMIT: git_commit,
        MLFLOW_GIT_COMMIT: git_commit,
        MODEL_NAME: model,
        MODEL_VERSION: model_version,
        PIPELINE_EXECUTION: execution,
        RUN_SOURCE: source,
        PIPELINE_STATUS: pipeline_status,
        FAILURE_REASON: reason[:MAX_TAG_VALUE],
        MLFLOW_RUN_NAME: run_name(model, model_version),
        MLFLOW_SOURCE_NAME: execution,
    }
    return RunRecord(experiment=model, run_name=run_name(model, model_version), params={}, metrics={}, tags=_checked(tags, MAX_TAG_VALUE, "tag"))


def run_name(model: str, model_version: str) -> str:
    """``<model>-<version>`` with the version's ``:`` (``local:20261201T...``) made a dash."""
    return f"{model}-{model_version.replace(':', '-')}"


def data_sha256(digest: Mapping[str, Any]) -> str:
    """The hex SHA-256 of Preprocess's ``data_digest.json`` (its ``digest`` is ``sha256:<hex>``)."""
    value = digest.get("sha256")
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]{64}", value):
        raise RunRecordError(f"data_digest.json: sha256 is not a hex SHA-256 (got {value!r})")
    return value


def params_of(outputs: BuildOutputs) -> dict[str, str]:
    settings = outputs.settings
    training = _mapping(settings, "training", "model_settings.json")
    contract = _mapping(settings, "contract", "model_settings.json")
    params = {name: _param_value(value) for name, value in _mapping(training, "hyperparameters", "training").items()}
    params.update({f"training.{name}": _param_value(training[name]) for name in _TRAINING_SETTINGS if name in training})
    report = outputs.preprocess_report
    params.update({
        "data.source": str(report.get("source", "")),
        "data.rows": str(report.get("rows", "")),
        **{f"data.{split}_rows": str(counts.get("rows", "")) for split, counts in sorted(report.get("splits", {}).items())},
        "contract.label": str(contract.get("label", "")),
        "contract.positive_label": str(contract.get("positive_label", "")),
        "contract.pii": ",".join(f"{rule['name']}:{rule['action']}" for rule in contract.get("pii", [])),
        "sensitive_attributes": ",".join(attribute["column"] for attribute in settings.get("sensitive_attributes", [])),
    })
    group = settings.get("feature_group")
    if group:
        params["data.feature_group"] = str(group["name"])
    for name, value in sorted(settings.get("gates", {}).items()):
        params[f"gates.{name}"] = _param_value(value)
    return {name: value for name, value in params.items() if value != ""}


def metrics_of(outputs: BuildOutputs) -> dict[str, float]:
    quality = _mapping(outputs.evaluation, "binary_classification_metrics", "evaluation.json")
    if not isinstance(quality.get(AUC), Mapping) or _number(quality[AUC].get("value")) is None:
        raise RunRecordError("evaluation.json: binary_classification_metrics.auc.value is missing")
    metrics: dict[str, float] = {}
    for name in _QUALITY:
        entry = quality.get(name)
        if isinstance(entry, Mapping):
            _put(metrics, name, entry.get("value"))
            _put(metrics, f"{name}_std", entry.get("standard_deviation"))
    confusion = quality.get("confusion_matrix", {})
    for (actual, predicted), name in _CONFUSION.items():
        _put(metrics, name, confusion.get(actual, {}).get(predicted))
    bias = outputs.bias
    for family in ("disparate_impact", "dppl", "smallest_group"):
        for column, value in (bias.get(family) or {}).items():
            _put(metrics, f"{family}.{column}", value)
    for stage, key in (("pre", "pre_training_bias_metrics"), ("post", "post_training_bias_metrics")):
        for column, facets in ((bias.get(key) or {}).get("facets") or {}).items():
            for facet in facets:
                for metric in facet.get("metrics", []):
                    _put(metrics, f"bias.{stage}.{column}.{metric.get('name')}", metric.get("value"))
    metrics["gate_passed"] = 1.0 if outputs.gate.get("passed") is True else 0.0
    bad = [name for name in metrics if len(name) > MAX_NAME or not _NAME.match(name)]
    if bad:
        raise RunRecordError(f"metric names MLflow refuses: {bad}")
    return metrics


def _put(metrics: dict[str, float], name: str, value: Any) -> None:
    number = _number(value)
    if number is not None:
        metrics[name] = number


def _number(value: Any) -> float | None:
    # A metric an attribute leaves undefined (a group without positives) is null: no metric.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _param_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return ",".join(_param_value(item) for item in value)
    return str(value)


def _mapping(document: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = document.get(key)
    if not isinstance(value, Mapping):
        raise RunRecordError(f"{where}: {key} is missing or not an object")
    return value


def _text(document: Mapping[str, Any], key: str, where: str) -> str:
    value = document.get(key)
    if not isinstance(value, str) or not value:
        raise RunRecordError(f"{where}: {key} is missing")
    return value


def _checked(values: dict[str, str], limit: int, kind: str) -> dict[str, str]:
    for name, value in values.items():
        if len(name) > MAX_NAME or not _NAME.match(name):
            raise RunRecordError(f"{kind} name {name!r} is not one MLflow accepts")
        if len(value) > limit:
            raise RunRecordError(f"{kind} {name!r}: {len(value)} characters, MLflow keeps at most {limit}")
    return values
