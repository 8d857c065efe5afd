"""Bias metrics, following SageMaker Clarify's published definitions (``smclarify`` 0.5).

Facet *d* is the disadvantaged group named by a sensitive attribute, facet *a*
everyone else. Labels and predictions are booleans: True is the positive
(favourable) outcome. Where a metric is undefined (an empty facet, or a zero
denominator) the functions return ``nan`` rather than guess: ``smclarify`` returns
infinity, or 0 for 0/0, in those cases, and nothing else differs
(``tests/fixtures/smclarify_german_credit.json`` holds its values on the bundled data).

Pre-training, on observed labels: CI, DPL, and the distances between the label
distributions of *a* and *d* (KL, JS, LP, TVD, KS; over the label values both facets
hold, as Clarify aligns them). Post-training, on predicted labels and observed labels:
DPPL, DI, DCA, DCR, RD (recall), SD (specificity), DAR, DRR, AD, TE; and the
generalized entropy index GE (alpha = 2) over the whole set. Clarify's CDDL/CDDPL need a
group variable the configs do not name, and FT needs the feature matrix: neither is here.
"""

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

NAN = float("nan")


def facet_mask(frame: pd.DataFrame, attribute: Mapping[str, Any]) -> np.ndarray:
    """True for rows of facet *d*: value in ``group_values``; or, for a ``threshold``, on its
    ``facet`` side: ``"above"`` (value > threshold, Clarify's convention) or ``"at_or_below"``."""
    column = frame[attribute["column"]]
    if attribute.get("group_values") is not None:
        return column.astype(str).isin(list(attribute["group_values"])).to_numpy()
    values = pd.to_numeric(column)
    threshold = float(attribute["threshold"])
    side = attribute.get("facet")
    if side == "above":
        return (values > threshold).to_numpy()
    if side == "at_or_below":
        return (values <= threshold).to_numpy()
    raise ValueError(f"sensitive attribute {attribute['column']!r}: facet must be 'above' or 'at_or_below', got {side!r}")


def facet_description(attribute: Mapping[str, Any]) -> str:
    """Facet *d* in words, with the side of a threshold spelled out, e.g. ``age <= 25`` or ``age > 25``."""
    if attribute.get("group_values") is not None:
        return f"{attribute['column']} in {list(attribute['group_values'])}"
    side = ">" if attribute.get("facet") == "above" else "<="
    return f"{attribute['column']} {side} {float(attribute['threshold']):g}"


def _bools(values) -> np.ndarray:
    return np.asarray(values, dtype=bool)


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else NAN


def _rate(values: np.ndarray, mask: np.ndarray) -> float:
    selected = _bools(values)[mask]
    return float(selected.mean()) if selected.size else NAN


def class_imbalance(facet_d: np.ndarray) -> float:
    """CI = (n_a - n_d) / (n_a + n_d); in [-1, 1], 0 when the facets are the same size."""
    facet_d = _bools(facet_d)
    n_d = int(facet_d.sum())
    n_a = facet_d.size - n_d
    return (n_a - n_d) / (n_a + n_d) if facet_d.size else NAN


def difference_in_proportions_of_labels(labels: np.ndarray, facet_d: np.ndarray) -> float:
    """DPL = q_a - q_d, the positive rate of observed labels in *a* minus that in *d*."""
    facet_d = _bools(facet_d)
    return _rate(labels, ~facet_d) - _rate(labels, facet_d)


def label_distributions(labels: np.ndarray, facet_d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(P_a, P_d): the share of each label value in *a* and in *d*, over the values both facets
    hold (Clarify's alignment); empty when a facet is empty."""
    labels = np.asarray(labels)
    facet_d = _bools(facet_d)
    in_a, in_d = labels[~facet_d], labels[facet_d]
    if not in_a.size or not in_d.size:
        return np.array([]), np.array([])
    shared = sorted(set(in_a.tolist()) & set(in_d.tolist()))
    return (np.array([np.mean(in_a == value) for value in shared]),
            np.array([np.mean(in_d == value) for value in shared]))


def kl_divergence(labels: np.ndarray, facet_d: np.ndarray) -> float:
    """KL = sum_y P_a(y) ln(P_a(y) / P_d(y)), the label distribution of *a* relative to *d*'s."""
    p_a, p_d = label_distributions(labels, facet_d)
    return float(np.sum(p_a * np.log(p_a / p_d))) if p_a.size else NAN


def js_divergence(labels: np.ndarray, facet_d: np.ndarray) -> float:
    """JS = (KL(P_a, P) + KL(P_d, P)) / 2 with P = (P_a + P_d) / 2."""
    p_a, p_d = label_distributions(labels, facet_d)
    if not p_a.size:
        return NAN
    mixture = (p_a + p_d) / 2
    return float(0.5 * (np.sum(p_a * np.log(p_a / mixture)) + np.sum(p_d * np.log(p_d / mixture))))


def _norm(labels: np.ndarray, facet_d: np.ndarray, order: float) -> float:
    p_a, p_d = label_distributions(labels, facet_d)
    return float(np.linalg.norm(p_a - p_d, order)) if p_a.size else NAN


def lp_norm(labels: np.ndarray, facet_d: np.ndarray) -> float:
    """LP = ||P_a - P_d||_2, the Euclidean distance between the label distributions."""
    return _norm(labels, facet_d, 2)


def total_variation_distance(labels: np.ndarray, facet_d: np.ndarray) -> float:
    """TVD = ||P_a - P_d||_1 / 2."""
    return 0.5 * _norm(labels, facet_d, 1)


def kolmogorov_smirnov(labels: np.ndarray, facet_d: np.ndarray) -> float:
    """KS = max_y |P_a(y) - P_d(y)| (Clarify's definition, over the distributions themselves)."""
    return _norm(labels, facet_d, np.inf)


def difference_in_positive_proportions_in_predictions(predicted: np.ndarray, facet_d: np.ndarray) -> float:
    """DPPL = q'_a - q'_d, as DPL but over predicted labels."""
    facet_d = _bools(facet_d)
    return _rate(predicted, ~facet_d) - _rate(predicted, facet_d)


def disparate_impact(predicted: np.ndarray, facet_d: np.ndarray) -> float:
    """DI = q'_d / q'_a; 1 is parity, below 1 disadvantages *d*."""
    facet_d = _bools(facet_d)
    q_a = _rate(predicted, ~facet_d)
    q_d = _rate(predicted, facet_d)
    if np.isnan(q_a) or np.isnan(q_d) or q_a == 0:
        return NAN
    return q_d / q_a


def _confusion(labels: np.ndarray, predicted: np.ndarray, mask: np.ndarray) -> dict[str, int]:
    labels, predicted = _bools(labels)[mask], _bools(predicted)[mask]
    return {
        "tp": int((labels & predicted).sum()),
        "fp": int((~labels & predicted).sum()),
        "fn": int((labels & ~predicted).sum()),
        "tn": int((~labels & ~predicted).sum()),
    }


def _facets(labels, predicted, facet_d) -> tuple[dict[str, int], dict[str, int]]:
    facet_d = _bools(facet_d)
    return _confusion(labels, predicted, ~facet_d), _confusion(labels, predicted, facet_d)


def equal_opportunity_difference(labels: np.ndarray, predicted: np.ndarray, facet_d: np.ndarray) -> float:
    """Recall difference (Clarify's RD): TPR_a - TPR_d, over rows whose true label is positive."""
    a, d = _facets(labels, predicted, facet_d)
    return _ratio(a["tp"], a["tp"] + a["fn"]) - _ratio(d["tp"], d["tp"] + d["fn"])


def specificity_difference(labels: np.ndarray, predicted: np.ndarray, facet_d: np.ndarray) -> float:
    """SD = TNR_d - TNR_a, over rows whose true label is negative."""
    a, d = _facets(labels, predicted, facet_d)
    return _ratio(d["tn"], d["tn"] + d["fp"]) - _ratio(a["tn"], a["tn"] + a["fp"])


def difference_in_conditional_acceptance(labels: np.ndarray, predicted: np.ndarray, facet_d: np.ndarray) -> float:
    """DCA = c_a - c_d, c = observed positives / predicted positives of a facet."""
    a, d = _facets(labels, predicted, facet_d)
    return _ratio(a["tp"] + a["fn"], a["tp"] + a["fp"]) - _ratio(d["tp"] + d["fn"], d["tp"] + d["fp"])


def difference_in_conditional_rejection(labels: np.ndarray, predicted: np.ndarray, facet_d: np.ndarray) -> float:
    """DCR = r_d - r_a, r = observed negatives / predicted negatives of a facet."""
    a, d = _facets(labels, predicted, facet_d)
    return _ratio(d["tn"] + d["fp"], d["tn"] + d["fn"]) - _ratio(a["tn"] + a["fp"], a["tn"] + a["fn"])


def difference_in_acceptance_rates(labels: np.ndarray, predicted: np.ndarray, facet_d: np.ndarray) -> float:
    """DAR = precision_a - precision_d: TP / predicted positives."""
    a, d = _facets(labels, predicted, facet_d)
    return _ratio(a["tp"], a["tp"] + a["fp"]) - _ratio(d["tp"], d["tp"] + d["fp"])


def difference_in_rejection_rates(labels: np.ndarray, predicted: np.ndarray, facet_d: np.ndarray) -> float:
    """DRR = NPV_d - NPV_a: TN / predicted negatives."""
    a, d = _facets(labels, predicted, facet_d)
    return _ratio(d["tn"], d["tn"] + d["fn"]) - _ratio(a["tn"], a["tn"] + a["fn"])


def accuracy_difference(labels: np.ndarray, predicted: np.ndarray, facet_d: np.ndarray) -> float:
    """AD = accuracy_a - accuracy_d."""
    a, d = _facets(labels, predicted, facet_d)
    return _ratio(a["tp"] + a["tn"], sum(a.values())) - _ratio(d["tp"] + d["tn"], sum(d.values()))


def treatment_equality(labels: np.ndarray, predicted: np.ndarray, facet_d: np.ndarray) -> float:
    """TE = FN_d / FP_d - FN_a / FP_a."""
    a, d = _facets(labels, predicted, facet_d)
    return _ratio(d["fn"], d["fp"]) - _ratio(a["fn"], a["fp"])


def generalized_entropy(labels: np.ndarray, predicted: np.ndarray, alpha: float = 2.0) -> float:
    """GE(alpha) of the benefits b = predicted - label + 1 over every row (no facet):
    sum((b / mean b)^alpha - 1) / (n alpha (alpha - 1)); 0 when every row gets the same benefit."""
    if alpha in (0, 1):
        raise ValueError("generalized entropy: alpha 0 and 1 are other formulas")
    benefit = _bools(predicted).astype(float) - _bools(labels).astype(float) + 1
    if not benefit.size or not benefit.mean():
        return NAN
    ratio = benefit / benefit.mean()
    return float((ratio**alpha - 1).sum() / (benefit.size * alpha * (alpha - 1)))
