"""Bias metrics, following SageMaker Clarify's published definitions.

Facet *d* is the disadvantaged group named by a sensitive attribute, facet *a*
everyone else. Labels and predictions are booleans: True is the positive
(favourable) outcome. Where a metric is undefined (an empty facet, or no
positives in the denominator) the functions return ``nan`` rather than guess.
"""

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd


def facet_mask(frame: pd.DataFrame, attribute: Mapping[str, Any]) -> np.ndarray:
    """True for rows of facet *d*: value in ``group_values``, or at most ``threshold``."""
    column = frame[attribute["column"]]
    if attribute.get("group_values") is not None:
        return column.astype(str).isin(list(attribute["group_values"])).to_numpy()
    return (pd.to_numeric(column) <= float(attribute["threshold"])).to_numpy()


def _rate(values: np.ndarray, mask: np.ndarray) -> float:
    selected = np.asarray(values, dtype=bool)[mask]
    return float(selected.mean()) if selected.size else float("nan")


def class_imbalance(facet_d: np.ndarray) -> float:
    """CI = (n_a - n_d) / (n_a + n_d); in [-1, 1], 0 when the facets are the same size."""
    facet_d = np.asarray(facet_d, dtype=bool)
    n_d = int(facet_d.sum())
    n_a = facet_d.size - n_d
    return (n_a - n_d) / (n_a + n_d) if facet_d.size else float("nan")


def difference_in_proportions_of_labels(labels: np.ndarray, facet_d: np.ndarray) -> float:
    """DPL = q_a - q_d, the positive rate of observed labels in *a* minus that in *d*."""
    facet_d = np.asarray(facet_d, dtype=bool)
    return _rate(labels, ~facet_d) - _rate(labels, facet_d)


def difference_in_positive_proportions_in_predictions(predicted: np.ndarray, facet_d: np.ndarray) -> float:
    """DPPL = q'_a - q'_d, as DPL but over predicted labels."""
    facet_d = np.asarray(facet_d, dtype=bool)
    return _rate(predicted, ~facet_d) - _rate(predicted, facet_d)


def disparate_impact(predicted: np.ndarray, facet_d: np.ndarray) -> float:
    """DI = q'_d / q'_a; 1 is parity, below 1 disadvantages *d*."""
    facet_d = np.asarray(facet_d, dtype=bool)
    q_a = _rate(predicted, ~facet_d)
    q_d = _rate(predicted, facet_d)
    if np.isnan(q_a) or np.isnan(q_d) or q_a == 0:
        return float("nan")
    return q_d / q_a


def equal_opportunity_difference(labels: np.ndarray, predicted: np.ndarray, facet_d: np.ndarray) -> float:
    """Recall difference (Clarify's RD): TPR_a - TPR_d, over rows whose true label is positive."""
    labels = np.asarray(labels, dtype=bool)
    facet_d = np.asarray(facet_d, dtype=bool)
    return _rate(predicted, labels & ~facet_d) - _rate(predicted, labels & facet_d)
