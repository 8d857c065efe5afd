"""Bootstrap intervals of DI and DPPL (``pipelines_src.metrics.bootstrap``): seeded, stratified by
facet, and as wide as the smaller group makes them."""

import math

import numpy as np
import pytest

from pipelines_src.metrics import bias
from pipelines_src.metrics.bootstrap import rate_intervals


def groups(n_d: int, approved_d: int, n_a: int, approved_a: int) -> tuple[np.ndarray, np.ndarray]:
    predicted = np.array([True] * approved_d + [False] * (n_d - approved_d) + [True] * approved_a + [False] * (n_a - approved_a))
    return predicted, np.array([True] * n_d + [False] * n_a)


def test_the_same_seed_draws_the_same_interval_and_another_seed_another() -> None:
    predicted, facet_d = groups(40, 20, 160, 100)
    first = rate_intervals(predicted, facet_d, resamples=500, confidence=0.95, seed=7)
    assert rate_intervals(predicted, facet_d, resamples=500, confidence=0.95, seed=7) == first
    assert rate_intervals(predicted, facet_d, resamples=500, confidence=0.95, seed=8) != first


def test_a_small_group_gives_a_wide_interval_around_the_estimate() -> None:
    small = rate_intervals(*groups(9, 6, 191, 137), resamples=2000, confidence=0.95, seed=0)["DI"]
    large = rate_intervals(*groups(90, 60, 1910, 1370), resamples=2000, confidence=0.95, seed=0)["DI"]
    estimate = bias.disparate_impact(*groups(9, 6, 191, 137))
    assert small.low < estimate < small.high
    assert small.high - small.low > 2.5 * (large.high - large.low)


def test_the_interval_matches_resampling_rows_within_each_facet() -> None:
    predicted, facet_d = groups(30, 12, 120, 84)
    rng = np.random.default_rng(3)
    d_rows, a_rows = predicted[facet_d], predicted[~facet_d]
    dppl = [rng.choice(a_rows, a_rows.size).mean() - rng.choice(d_rows, d_rows.size).mean() for _ in range(4000)]
    interval = rate_intervals(predicted, facet_d, resamples=4000, confidence=0.9, seed=3)["DPPL"]
    low, high = np.quantile(dppl, [0.05, 0.95])
    assert (interval.low, interval.high) == pytest.approx((low, high), abs=0.03)


def test_an_empty_facet_has_no_interval() -> None:
    interval = rate_intervals(np.array([True, False]), np.array([False, False]), resamples=100, confidence=0.95, seed=0)
    assert math.isnan(interval["DI"].low) and interval["DI"].defined == 0
