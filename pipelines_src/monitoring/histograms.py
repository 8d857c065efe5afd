"""Reference-versus-current histograms per feature, for the report's plots.

Numeric features use the bins PSI uses (the baseline's quantile bins when it has them, else its
KLL bucket edges) with an overflow bin on each side, so a value outside the training range
shows; categorical features use the baseline's values plus one bin for values it never saw.
Each histogram holds the share of rows per bin (reference: the baseline's training split;
current: the window's non-missing values).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Mapping, Tuple

import numpy as np
import pandas as pd

from pipelines_src.monitoring.baseline import Baseline, NumericBaseline
from pipelines_src.monitoring.drift import FeatureDrift, numeric_histogram

UNSEEN = "(unseen)"


@dataclass(frozen=True)
class FeatureHistogram:
    feature: str
    kind: str  # "numeric" or "categorical"
    bins: Tuple[str, ...]
    reference: Tuple[float, ...]
    current: Tuple[float, ...]


def _shares(counts: np.ndarray) -> Tuple[float, ...]:
    total = float(np.sum(counts))
    return tuple(float(count) / total if total else 0.0 for count in counts)


def _numeric_bins(edges: np.ndarray) -> Tuple[str, ...]:
    inner = [f"[{low:g}, {high:g})" for low, high in zip(edges[:-2], edges[1:-1])] + [f"[{edges[-2]:g}, {edges[-1]:g}]"]
    return (f"< {edges[0]:g}", *inner, f"> {edges[-1]:g}")


def numeric_feature_histogram(feature: NumericBaseline, values: np.ndarray) -> FeatureHistogram:
    # Quantile bins come with a newer baseline (psi_edges); older ones have the KLL buckets only.
    edges = getattr(feature, "psi_edges", None)
    counts = getattr(feature, "psi_counts", None)
    if edges is None or counts is None:
        edges, counts = feature.edges, feature.counts
    reference = np.concatenate([[0.0], counts, [0.0]])
    return FeatureHistogram(feature.name, "numeric", _numeric_bins(edges), _shares(reference),
                            _shares(numeric_histogram(edges, values)))


def categorical_feature_histogram(values: Tuple[str, ...], counts: np.ndarray, name: str,
                                  current: pd.Series) -> FeatureHistogram:
    present = current.dropna().astype(str)
    seen = present.value_counts().to_dict()
    window = np.array([seen.get(value, 0) for value in values] + [len(present) - sum(seen.get(value, 0) for value in values)])
    return FeatureHistogram(name, "categorical", (*values, UNSEEN), _shares(np.append(counts, 0.0)), _shares(window))


def feature_histograms(baseline: Baseline, columns: Mapping[str, pd.Series]) -> Dict[str, FeatureHistogram]:
    """The histogram of every baseline feature present in ``columns`` (typed as for drift)."""
    histograms: Dict[str, FeatureHistogram] = {}
    for feature in baseline.features:
        if feature.name not in columns:
            continue
        if isinstance(feature, NumericBaseline):
            numbers = columns[feature.name].to_numpy(dtype=float, na_value=np.nan)
            histograms[feature.name] = numeric_feature_histogram(feature, numbers[~np.isnan(numbers)])
        else:
            histograms[feature.name] = categorical_feature_histogram(
                feature.values, feature.counts, feature.name, columns[feature.name])
    return histograms


def by_severity(results: List[FeatureDrift]) -> List[FeatureDrift]:
    """Drifted features first, then those with one signal (PSI or test), then the rest; each
    group by PSI, largest first."""
    def key(result: FeatureDrift) -> Tuple[bool, bool, float, str]:
        psi = result.psi if np.isfinite(result.psi) else 0.0
        return (not result.drifted, not (result.psi_exceeded or result.significant), -psi, result.feature)

    return sorted(results, key=key)
