"""Per-feature drift of a window of captured rows against the baseline's histograms.

Numeric features (the baseline holds a histogram, the KLL buckets, not the data):

- **PSI** over the baseline's quantile bins (``psi_quantile_bins``: the training
  split's deciles) when it has them, else over its KLL bucket edges (equal width),
  plus two overflow bins (below the first edge, above the last), so values outside
  the training range count. Equal-width bins undersell a skewed feature: most of
  ``credit_amount`` falls in the lowest two of ten buckets, so a 20% rise in amounts
  moves little mass between bins; deciles hold a tenth of the training rows each.
- **Two-sample Kolmogorov–Smirnov** against the baseline distribution
  reconstructed from the baseline file, the best way it allows:

  * from the KLL sketch, when the file has one (ours always does): its items,
    weighted 2^level, form the baseline's empirical CDF, exact while the
    training column had at most k = 2048 values and within KLL's rank error
    (about 1.7/k) above that. D is the usual sup |F_baseline - F_window| over
    all points;
  * else from the buckets: the baseline CDF is known exactly only at the bucket
    edges (cumulative counts); inside a bucket any reconstruction (e.g. uniform
    spread) is a guess, and a wrong one on integer features such as
    ``installment_rate`` (all mass on 1..4) would create drift out of nothing.
    So both CDFs are compared at the edges only (F = share below the edge; at
    the last edge, at or below it). This D is a lower bound of the continuous
    KS distance, which makes this fallback conservative (less power).

  The p-value is the two-sample Kolmogorov distribution's with n = baseline
  count and m = window count (``scipy.stats.kstwo`` at round(n·m/(n+m)), as
  ``ks_2samp`` does asymptotically): the baseline is itself a sample, and
  treating it as the true distribution would flag every window once m outgrows
  n. On integer features (ties) the asymptotic p-value is conservative too.

Categorical features (string features; the baseline holds value counts):

- **PSI** over the baseline's values plus one bin for values it never saw.
- **Chi-square test of homogeneity** of the 2 x k table (baseline counts, window
  counts), for the same reason as above; bins whose expected count is below 5
  are pooled so the chi-square approximation holds.

PSI = sum over bins of (q - p) ln(q / p), p and q the baseline's and window's
shares of the bin, each bin given half a count first so empty bins stay finite.

A feature **drifts** when its PSI reaches ``psi_threshold`` AND its test is
significant at the run's family-wise level split over the features tested
(Bonferroni: ``ks_p_value`` / numeric features, ``chi_square_p_value`` /
categorical features). Both, because PSI alone is mostly sampling noise in small
windows, and a test alone calls immaterial shifts significant in large ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Mapping, Sequence, Tuple

import numpy as np
import pandas as pd
from scipy import stats

from pipelines_src.monitoring.baseline import Baseline, CategoricalBaseline, NumericBaseline

PSEUDO_COUNT = 0.5
MIN_EXPECTED = 5.0
NUMERIC = "numeric"
CATEGORICAL = "categorical"
KS = "ks"
CHI_SQUARE = "chi_square"
QUANTILE_BINS = "quantile_bins"
KLL_BUCKETS = "kll_buckets"
CATEGORICAL_BINS = "categorical_buckets"


@dataclass(frozen=True)
class FeatureDrift:
    """One feature's comparison: ``statistic`` is KS D (numeric) or chi-square (categorical)."""

    feature: str
    kind: str
    test: str
    # What the baseline distribution was rebuilt from: kll_sketch, kll_buckets or categorical_buckets.
    reference: str
    baseline_count: int
    window_count: int
    psi: float
    statistic: float
    p_value: float
    psi_threshold: float
    p_value_threshold: float
    # The bins PSI was computed over: quantile_bins, kll_buckets or categorical_buckets.
    psi_bins: str

    @property
    def psi_exceeded(self) -> bool:
        return self.psi >= self.psi_threshold

    @property
    def significant(self) -> bool:
        return self.p_value < self.p_value_threshold

    @property
    def drifted(self) -> bool:
        return self.psi_exceeded and self.significant


def population_stability_index(baseline_counts: Sequence[float], window_counts: Sequence[float]) -> float:
    """PSI of two histograms over the same bins (half a count added to every bin)."""
    baseline = np.asarray(baseline_counts, dtype=float) + PSEUDO_COUNT
    window = np.asarray(window_counts, dtype=float) + PSEUDO_COUNT
    p = baseline / baseline.sum()
    q = window / window.sum()
    return float(np.sum((q - p) * np.log(q / p)))


def numeric_histogram(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Counts of ``values`` in [below first edge, bucket 1 .. bucket k, above last edge]."""
    k = len(edges) - 1
    positions = np.searchsorted(edges, values, side="right")
    # The last bucket is closed: a value equal to the last edge belongs to it.
    positions[values == edges[-1]] = k
    return np.bincount(positions, minlength=k + 2)


def binned_ks(baseline_counts: np.ndarray, window_histogram: np.ndarray) -> Tuple[float, float]:
    """(D, p-value) comparing the CDFs at the bucket edges; ``window_histogram`` has the two
    overflow bins of ``numeric_histogram``, the baseline none (it has no values outside its edges)."""
    n = float(baseline_counts.sum())
    m = float(window_histogram.sum())
    if n <= 0 or m <= 0:
        return 0.0, 1.0
    # Shares below each edge (the last: at or below it).
    baseline_cdf = np.concatenate([[0.0], np.cumsum(baseline_counts)]) / n
    window_cdf = np.cumsum(window_histogram[:-1]) / m
    distance = float(np.max(np.abs(baseline_cdf - window_cdf)))
    effective = max(1, int(round(n * m / (n + m))))
    return distance, float(stats.kstwo.sf(distance, effective))


def sketch_ks(sketch_values: np.ndarray, sketch_weights: np.ndarray, values: np.ndarray,
              baseline_count: float) -> Tuple[float, float]:
    """(D, p-value) of the window ``values`` against the weighted sketch items (sorted)."""
    m = len(values)
    if m == 0 or baseline_count <= 0:
        return 0.0, 1.0
    window = np.sort(values)
    points = np.concatenate([sketch_values, window])
    baseline_cdf = np.concatenate([[0.0], np.cumsum(sketch_weights) / sketch_weights.sum()])
    baseline_at = baseline_cdf[np.searchsorted(sketch_values, points, side="right")]
    window_at = np.searchsorted(window, points, side="right") / m
    distance = float(np.max(np.abs(baseline_at - window_at)))
    effective = max(1, int(round(baseline_count * m / (baseline_count + m))))
    return distance, float(stats.kstwo.sf(distance, effective))


def chi_square_homogeneity(baseline_counts: np.ndarray, window_counts: np.ndarray) -> Tuple[float, float]:
    """(statistic, p-value) of the 2 x k homogeneity test, rare bins pooled."""
    baseline = np.asarray(baseline_counts, dtype=float)
    window = np.asarray(window_counts, dtype=float)
    n, m = baseline.sum(), window.sum()
    if n <= 0 or m <= 0:
        return 0.0, 1.0
    totals = baseline + window
    keep = totals > 0
    baseline, window, totals = baseline[keep], window[keep], totals[keep]
    rare = min(n, m) * totals / (n + m) < MIN_EXPECTED
    if rare.any():
        baseline = np.append(baseline[~rare], baseline[rare].sum())
        window = np.append(window[~rare], window[rare].sum())
        totals = baseline + window
        pooled_expected = min(n, m) * totals[-1] / (n + m)
        if pooled_expected < MIN_EXPECTED and len(totals) > 2:
            smallest = int(np.argmin(totals[:-1]))
            baseline[smallest] += baseline[-1]
            window[smallest] += window[-1]
            baseline, window, totals = baseline[:-1], window[:-1], (baseline + window)[:-1]
    if len(totals) < 2:
        return 0.0, 1.0
    expected_baseline = n * totals / (n + m)
    expected_window = m * totals / (n + m)
    statistic = float(np.sum((baseline - expected_baseline) ** 2 / expected_baseline)
                      + np.sum((window - expected_window) ** 2 / expected_window))
    return statistic, float(stats.chi2.sf(statistic, len(totals) - 1))


def numeric_drift(baseline: NumericBaseline, values: np.ndarray, *, psi_threshold: float,
                  p_value_threshold: float) -> FeatureDrift:
    """Drift of the non-missing numeric ``values`` against ``baseline``."""
    histogram = numeric_histogram(baseline.edges, values)
    if baseline.psi_edges is not None:
        psi_bins, psi_edges, psi_counts = QUANTILE_BINS, baseline.psi_edges, baseline.psi_counts
    else:
        psi_bins, psi_edges, psi_counts = KLL_BUCKETS, baseline.edges, baseline.counts
    psi = population_stability_index(np.concatenate([[0.0], psi_counts, [0.0]]), numeric_histogram(psi_edges, values))
    if baseline.sketch_values is not None:
        reference = "kll_sketch"
        distance, p_value = sketch_ks(baseline.sketch_values, baseline.sketch_weights, values, baseline.count)
    else:
        reference = "kll_buckets"
        distance, p_value = binned_ks(baseline.counts, histogram)
    return FeatureDrift(
        feature=baseline.name,
        kind=NUMERIC,
        test=KS,
        reference=reference,
        baseline_count=int(round(baseline.count)),
        window_count=int(len(values)),
        psi=psi,
        statistic=distance,
        p_value=p_value,
        psi_threshold=psi_threshold,
        p_value_threshold=p_value_threshold,
        psi_bins=psi_bins,
    )


def categorical_drift(baseline: CategoricalBaseline, values: pd.Series, *, psi_threshold: float,
                      p_value_threshold: float) -> FeatureDrift:
    """Drift of the categorical ``values`` (missing values ignored) against ``baseline``."""
    counts, present = _value_counts(values)
    known = np.array([counts.get(value, 0) for value in baseline.values], dtype=float)
    window_counts = np.append(known, present - known.sum())
    baseline_counts = np.append(baseline.counts, 0.0)
    statistic, p_value = chi_square_homogeneity(baseline_counts, window_counts)
    return FeatureDrift(
        feature=baseline.name,
        kind=CATEGORICAL,
        test=CHI_SQUARE,
        reference="categorical_buckets",
        baseline_count=int(round(baseline.count)),
        window_count=int(present),
        psi=population_stability_index(baseline_counts, window_counts),
        statistic=statistic,
        p_value=p_value,
        psi_threshold=psi_threshold,
        p_value_threshold=p_value_threshold,
        psi_bins=CATEGORICAL_BINS,
    )


def feature_drift(
    baseline: Baseline,
    columns: Mapping[str, pd.Series],
    *,
    psi_threshold: float,
    ks_p_value: float,
    chi_square_p_value: float,
) -> List[FeatureDrift]:
    """Drift of every baseline feature present in ``columns`` (typed values: floats with NaN
    for numeric features, strings with NaN for categorical ones; missing values are ignored)."""
    compared = [feature for feature in baseline.features if feature.name in columns]
    numeric_count = sum(isinstance(feature, NumericBaseline) for feature in compared)
    categorical_count = len(compared) - numeric_count
    results = []
    for feature in compared:
        if isinstance(feature, NumericBaseline):
            numbers = columns[feature.name].to_numpy(dtype=float, na_value=np.nan)
            results.append(numeric_drift(
                feature, numbers[~np.isnan(numbers)], psi_threshold=psi_threshold,
                p_value_threshold=ks_p_value / numeric_count,
            ))
        else:
            results.append(categorical_drift(
                feature, columns[feature.name], psi_threshold=psi_threshold,
                p_value_threshold=chi_square_p_value / categorical_count,
            ))
    return results


def _value_counts(values: pd.Series) -> Tuple[Dict[str, int], int]:
    """Count per present value, and the number of present values."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        present = codes[codes >= 0]
        per_code = np.bincount(present, minlength=len(values.cat.categories))
        return dict(zip(values.cat.categories, per_code.tolist())), int(present.size)
    present = values.dropna()
    return present.value_counts().to_dict(), int(present.size)
