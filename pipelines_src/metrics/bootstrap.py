"""Bootstrap percentile intervals of the gated fairness metrics (DI and DPPL).

The resampling is stratified by facet: each resample draws n_d rows from facet *d* and
n_a rows from facet *a*, with replacement, so every resample has the group sizes the
metric was computed on. A facet's positive-prediction count in a resample is then
Binomial(n, q') with q' its observed rate, which is what is drawn (the same distribution
as drawing rows, without materialising them). The interval is the (1 - confidence) / 2
and (1 + confidence) / 2 percentiles of the resampled values; resamples where a metric
is undefined (no positive prediction in *a*, for DI) are left out and counted.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    # Resamples in which the metric was defined, of those drawn.
    defined: int

    def as_json(self) -> dict:
        return {"low": self.low, "high": self.high, "defined_resamples": self.defined}


def _interval(values: np.ndarray, confidence: float) -> Interval:
    defined = values[np.isfinite(values)]
    if not defined.size:
        return Interval(float("nan"), float("nan"), 0)
    tail = (1 - confidence) / 2
    low, high = np.quantile(defined, [tail, 1 - tail])
    return Interval(float(low), float(high), int(defined.size))


def rate_intervals(predicted: np.ndarray, facet_d: np.ndarray, *, resamples: int, confidence: float,
                   seed: int) -> dict[str, Interval]:
    """``{"DI": Interval, "DPPL": Interval}`` for the predictions ``predicted`` of facets ``facet_d`` / not."""
    predicted = np.asarray(predicted, dtype=bool)
    facet_d = np.asarray(facet_d, dtype=bool)
    n_d, n_a = int(facet_d.sum()), int((~facet_d).sum())
    if not n_d or not n_a:
        nan = Interval(float("nan"), float("nan"), 0)
        return {"DI": nan, "DPPL": nan}
    rng = np.random.default_rng(seed)
    q_d = rng.binomial(n_d, predicted[facet_d].mean(), size=resamples) / n_d
    q_a = rng.binomial(n_a, predicted[~facet_d].mean(), size=resamples) / n_a
    with np.errstate(divide="ignore", invalid="ignore"):
        di = np.where(q_a > 0, q_d / np.where(q_a > 0, q_a, 1.0), np.nan)
    return {"DI": _interval(di, confidence), "DPPL": _interval(q_a - q_d, confidence)}
