"""What the build report draws about the scores of the test split: curves, calibration, the
price of each threshold under a cost matrix and per-group error rates. Plain numbers (no plots).

Scores are the model's probability of the positive label; labels are 0/1 (1 = positive);
a row is predicted positive when its score is at least the threshold, as in ``evaluate``.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, precision_recall_curve, roc_auc_score, roc_curve

CALIBRATION_BINS = 10
THRESHOLDS = tuple(round(0.05 * step, 2) for step in range(1, 20))


@dataclass(frozen=True)
class CostMatrix:
    """The cost of a false positive and of a false negative (correct decisions cost 0)."""

    false_positive: float
    false_negative: float

    @classmethod
    def from_settings(cls, evaluation: Mapping[str, Any]) -> "CostMatrix":
        matrix = evaluation["cost_matrix"]
        return cls(float(matrix["false_positive"]), float(matrix["false_negative"]))

    def break_even_threshold(self) -> float:
        """The threshold a calibrated score would minimise the expected cost at: predict positive
        when ``(1 - p) * false_positive <= p * false_negative``."""
        return self.false_positive / (self.false_positive + self.false_negative)


@dataclass(frozen=True)
class Curve:
    x: np.ndarray
    y: np.ndarray
    area: float


def roc(labels: np.ndarray, scores: np.ndarray) -> Curve:
    """False positive rate (x) against true positive rate (y); the area is the AUC."""
    fpr, tpr, _ = roc_curve(labels, scores)
    return Curve(fpr, tpr, float(roc_auc_score(labels, scores)))


def precision_recall(labels: np.ndarray, scores: np.ndarray) -> Curve:
    """Recall (x) against precision (y); the area is the average precision."""
    precision, recall, _ = precision_recall_curve(labels, scores)
    return Curve(recall, precision, float(average_precision_score(labels, scores)))


@dataclass(frozen=True)
class CalibrationBin:
    low: float
    high: float
    rows: int
    mean_score: float
    positive_rate: float


def calibration(labels: np.ndarray, scores: np.ndarray, bins: int = CALIBRATION_BINS) -> list[CalibrationBin]:
    """Equal-width score bins ``[low, high)`` (the last one closed) that hold rows: the mean score
    of each against the share of positive labels in it."""
    labels, scores = np.asarray(labels, dtype="float64"), np.asarray(scores, dtype="float64")
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(scores, edges[1:-1]), 0, bins - 1)
    return [
        CalibrationBin(float(edges[b]), float(edges[b + 1]), int((index == b).sum()),
                       float(scores[index == b].mean()), float(labels[index == b].mean()))
        for b in range(bins)
        if (index == b).any()
    ]


def brier_score(labels: np.ndarray, scores: np.ndarray) -> float:
    """Mean squared difference between score and label (0 is perfect; 0.25 is a constant 0.5)."""
    return float(brier_score_loss(labels, scores))


def _rate(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else float("nan")


def confusion_at(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, int]:
    actual = np.asarray(labels).astype(bool)
    predicted = np.asarray(scores) >= threshold
    return {
        "tp": int((predicted & actual).sum()),
        "fp": int((predicted & ~actual).sum()),
        "tn": int((~predicted & ~actual).sum()),
        "fn": int((~predicted & actual).sum()),
    }


def threshold_table(
    labels: np.ndarray, scores: np.ndarray, costs: CostMatrix, thresholds: Sequence[float] = THRESHOLDS
) -> list[dict[str, float]]:
    """One row per threshold: the confusion counts, precision, recall, false positive rate, the
    share of rows predicted positive, the total cost and the expected cost per row."""
    rows = []
    for threshold in thresholds:
        counts = confusion_at(labels, scores, threshold)
        total = counts["fp"] * costs.false_positive + counts["fn"] * costs.false_negative
        rows.append({
            "threshold": float(threshold),
            **counts,
            "precision": _rate(counts["tp"], counts["tp"] + counts["fp"]),
            "recall": _rate(counts["tp"], counts["tp"] + counts["fn"]),
            "false_positive_rate": _rate(counts["fp"], counts["fp"] + counts["tn"]),
            "predicted_positive_share": _rate(counts["tp"] + counts["fp"], len(scores)),
            "total_cost": float(total),
            "expected_cost": _rate(total, len(scores)),
        })
    return rows


def cheapest(table: Sequence[Mapping[str, float]]) -> Mapping[str, float]:
    """The row of least expected cost (the lowest threshold among equals)."""
    return min(table, key=lambda row: (row["expected_cost"], row["threshold"]))


def error_rates(labels: np.ndarray, predicted: np.ndarray, group: np.ndarray) -> dict[str, float]:
    """Rows, false positive rate and false negative rate of the rows where ``group`` is true
    (a rate is nan when the group has no actual negatives, or positives)."""
    actual = np.asarray(labels).astype(bool)[group]
    positive = np.asarray(predicted).astype(bool)[group]
    return {
        "rows": int(group.sum()),
        "false_positive_rate": _rate(int((positive & ~actual).sum()), int((~actual).sum())),
        "false_negative_rate": _rate(int((~positive & actual).sum()), int(actual.sum())),
    }
