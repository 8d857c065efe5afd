"""Model quality of the captured predictions against ground truth: binary classification metrics.

Only rows with both a prediction and a label count. The predicted class is
positive when P(positive) >= ``prediction_threshold``. AUC is the Mann–Whitney
rank statistic (ties count half), ``nan`` when the labelled rows hold one class
only; precision, recall and F1 are ``nan`` when undefined (no predicted, resp.
actual, positives). Metrics resting on fewer than ``min_labelled_records`` labelled
rows are *insufficient*: reported, never compared with the gate, and not published.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class ModelQuality:
    labelled_records: int
    positive_labels: int
    auc: float
    accuracy: float
    precision: float
    recall: float
    f1: float
    min_auc: float
    min_labelled_records: int = 1

    @property
    def sufficient(self) -> bool:
        return self.labelled_records >= self.min_labelled_records

    @property
    def auc_below_gate(self) -> bool:
        return bool(self.sufficient and np.isfinite(self.auc) and self.auc < self.min_auc)


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve of ``scores`` for boolean ``labels``."""
    labels = np.asarray(labels, dtype=bool)
    positives = int(labels.sum())
    negatives = labels.size - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = stats.rankdata(scores)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def model_quality(predictions: np.ndarray, labels: np.ndarray, *, prediction_threshold: float,
                  min_auc: float, min_labelled_records: int = 1) -> ModelQuality:
    """Metrics over the rows where ``predictions`` and ``labels`` (1.0/0.0/NaN) are both known."""
    known = np.isfinite(predictions) & np.isfinite(labels)
    scores = predictions[known]
    actual = labels[known] == 1.0
    predicted = scores >= prediction_threshold
    true_positives = int((predicted & actual).sum())
    precision = _ratio(true_positives, int(predicted.sum()))
    recall = _ratio(true_positives, int(actual.sum()))
    f1 = (2 * precision * recall / (precision + recall)
          if np.isfinite(precision) and np.isfinite(recall) and precision + recall > 0 else float("nan"))
    return ModelQuality(
        labelled_records=int(known.sum()),
        positive_labels=int(actual.sum()),
        auc=roc_auc(actual, scores),
        accuracy=_ratio(int((predicted == actual).sum()), int(known.sum())),
        precision=precision,
        recall=recall,
        f1=f1,
        min_auc=min_auc,
        min_labelled_records=min_labelled_records,
    )


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else float("nan")
