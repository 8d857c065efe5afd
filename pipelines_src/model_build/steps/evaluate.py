"""Evaluate step: the model's quality on the held-out test split, as ``evaluation.json``.

The shape is Model Monitor's model quality ``binary_classification_metrics``, which the
model registry shows as the version's model quality statistics::

    {"binary_classification_metrics": {
        "auc": {"value": 0.78, "standard_deviation": 0.03},
        "accuracy": {...}, "f1": {...}, "precision": {...}, "recall": {...},
        "confusion_matrix": {"<actual>": {"<predicted>": count}}},   # labels "0" / "1"
     "threshold": 0.5, "rows": 200, "positive_label": "good"}

A row is predicted positive when its score is at least ``threshold``. Standard
deviations come from a seeded bootstrap of the test rows, so they say how much a
metric could move on another sample of the same size. The gate reads
``binary_classification_metrics.auc.value``.
"""

import argparse
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_score, recall_score, roc_auc_score

from pipelines_src.model_build.steps import container_paths as paths
from pipelines_src.model_build.steps.entrypoint import run
from pipelines_src.model_build.steps.features import ENCODING_FILE, FeatureEncoding
from pipelines_src.model_build.steps.files import read_json, read_table, write_json
from pipelines_src.model_build.steps.model_artifact import load_booster, predict_scores

EVALUATION_FILE = "evaluation.json"
AUC_PATH = "binary_classification_metrics.auc.value"
THRESHOLD = 0.5
BOOTSTRAP_SAMPLES = 100
BOOTSTRAP_SEED = 7

logger = logging.getLogger(__name__)


def _metrics(threshold: float) -> dict[str, Callable[[np.ndarray, np.ndarray], float]]:
    def thresholded(metric: Callable[..., float]) -> Callable[[np.ndarray, np.ndarray], float]:
        return lambda labels, scores: float(metric(labels, scores >= threshold, zero_division=0))

    return {
        "auc": lambda labels, scores: float(roc_auc_score(labels, scores)),
        "accuracy": lambda labels, scores: float(accuracy_score(labels, scores >= threshold)),
        "f1": thresholded(f1_score),
        "precision": thresholded(precision_score),
        "recall": thresholded(recall_score),
    }


def evaluation_report(labels: np.ndarray, scores: np.ndarray, *, threshold: float = THRESHOLD) -> dict[str, Any]:
    """Quality metrics of ``scores`` (probability of the positive label) against ``labels`` (0/1)."""
    labels = np.asarray(labels, dtype="int64")
    scores = np.asarray(scores, dtype="float64")
    if len(np.unique(labels)) < 2:
        raise ValueError("the test split holds one class only: AUC is undefined")
    metrics = _metrics(threshold)
    spread = _bootstrap_std(labels, scores, metrics)
    report: dict[str, Any] = {
        name: {"value": metric(labels, scores), "standard_deviation": spread[name]} for name, metric in metrics.items()
    }
    matrix = confusion_matrix(labels, scores >= threshold, labels=[0, 1])
    report["confusion_matrix"] = {
        str(actual): {str(predicted): int(matrix[actual, predicted]) for predicted in (0, 1)} for actual in (0, 1)
    }
    return {"binary_classification_metrics": report, "threshold": threshold, "rows": int(len(labels))}


def _bootstrap_std(labels: np.ndarray, scores: np.ndarray, metrics: dict[str, Callable]) -> dict[str, float]:
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    samples: dict[str, list[float]] = {name: [] for name in metrics}
    for _ in range(BOOTSTRAP_SAMPLES):
        rows = rng.integers(0, len(labels), len(labels))
        if len(np.unique(labels[rows])) < 2:
            continue
        for name, metric in metrics.items():
            samples[name].append(metric(labels[rows], scores[rows]))
    return {name: float(np.std(values)) if values else float("nan") for name, values in samples.items()}


def evaluate(model_dir: str | Path, test_csv: str | Path, encoding: FeatureEncoding) -> dict[str, Any]:
    frame = read_table(test_csv)
    scores = predict_scores(load_booster(model_dir), encoding.features(frame))
    report = evaluation_report(encoding.labels(frame), scores)
    report["positive_label"] = encoding.positive_label
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", default=paths.MODEL)
    parser.add_argument("--splits-dir", default=paths.SPLITS)
    parser.add_argument("--metadata-dir", default=paths.METADATA)
    parser.add_argument("--output-dir", default=f"{paths.OUTPUT}/evaluation")
    args = parser.parse_args(argv)
    encoding = FeatureEncoding.from_json(read_json(Path(args.metadata_dir) / ENCODING_FILE))
    report = evaluate(args.model_dir, Path(args.splits_dir) / "test.csv", encoding)
    write_json(Path(args.output_dir) / EVALUATION_FILE, report)
    logger.info("test AUC %.4f", report["binary_classification_metrics"]["auc"]["value"])


if __name__ == "__main__":
    run(main)
