"""Drift statistics: PSI, the two KS variants and chi-square, checked against hand values and scipy."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pipelines_src.monitoring.baseline import Baseline, CategoricalBaseline, NumericBaseline
from pipelines_src.monitoring.drift import (
    FeatureDrift,
    binned_ks,
    categorical_drift,
    chi_square_homogeneity,
    feature_drift,
    numeric_drift,
    numeric_histogram,
    population_stability_index,
    sketch_ks,
)

RNG = np.random.default_rng(7)


def numeric_baseline(values: np.ndarray, *, sketch: bool = True, name: str = "x") -> NumericBaseline:
    counts, edges = np.histogram(values, bins=10)
    return NumericBaseline(
        name=name, inferred_type="Fractional", edges=edges, counts=counts.astype(float), mean=values.mean(),
        std=values.std(), minimum=values.min(), maximum=values.max(),
        sketch_values=np.sort(values) if sketch else None, sketch_weights=np.ones(len(values)) if sketch else None,
    )


def categorical_baseline(counts: dict, name: str = "c") -> CategoricalBaseline:
    return CategoricalBaseline(name=name, inferred_type="String", values=tuple(counts),
                               counts=np.array(list(counts.values()), dtype=float))


def test_psi_of_identical_histograms_is_zero() -> None:
    assert population_stability_index([10, 30, 60], [10, 30, 60]) == pytest.approx(0.0)


def test_psi_adds_half_a_count_to_every_bin() -> None:
    # p = (50.5, 50.5) / 101, q = (25.5, 75.5) / 101: sum (q - p) ln(q / p) by hand.
    assert population_stability_index([50, 50], [25, 75]) == pytest.approx(0.26868, abs=1e-4)


def test_psi_stays_finite_when_the_window_fills_a_bin_the_baseline_left_empty() -> None:
    assert np.isfinite(population_stability_index([100, 0], [0, 100]))


def test_values_outside_the_baseline_range_land_in_the_overflow_bins_and_the_last_edge_in_the_last_bucket() -> None:
    edges = np.array([0.0, 1.0, 2.0])

    histogram = numeric_histogram(edges, np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 2.5]))

    assert histogram.tolist() == [1, 2, 2, 1]


def test_sketch_ks_matches_scipys_two_sample_test_when_the_sketch_holds_every_value() -> None:
    baseline, window = RNG.normal(0, 1, 600), RNG.normal(0.3, 1, 200)

    distance, p_value = sketch_ks(np.sort(baseline), np.ones(600), window, 600)
    expected = stats.ks_2samp(baseline, window, method="asymp")

    assert distance == pytest.approx(expected.statistic)
    assert p_value == pytest.approx(expected.pvalue)


def test_sketch_ks_weighs_compacted_items() -> None:
    # One item of weight 2 stands for two values: the same distribution as the four values themselves.
    distance, _ = sketch_ks(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 1.0]), np.array([1.0, 2.0, 2.0, 3.0]), 4)

    assert distance == pytest.approx(0.0)


def test_binned_ks_never_exceeds_the_ks_distance_of_the_raw_values() -> None:
    baseline, window = RNG.gamma(2, 1000, 600), RNG.gamma(2, 1300, 200)
    counts, edges = np.histogram(baseline, bins=10)

    distance, _ = binned_ks(counts.astype(float), numeric_histogram(edges, window))

    assert 0 < distance <= stats.ks_2samp(baseline, window).statistic


def test_binned_ks_sees_no_drift_in_an_integer_feature_whose_shares_are_unchanged() -> None:
    baseline = np.repeat([1.0, 2.0, 3.0, 4.0], [150, 150, 100, 200])
    window = np.repeat([1.0, 2.0, 3.0, 4.0], [50, 50, 33, 67])
    counts, edges = np.histogram(baseline, bins=10)

    distance, p_value = binned_ks(counts.astype(float), numeric_histogram(edges, window))

    assert distance < 0.01
    assert p_value > 0.99


def test_chi_square_matches_scipys_contingency_test_when_no_bin_is_rare() -> None:
    baseline, window = np.array([200.0, 300.0, 100.0]), np.array([60.0, 100.0, 40.0])

    statistic, p_value = chi_square_homogeneity(baseline, window)
    expected = stats.chi2_contingency(np.vstack([baseline, window]), correction=False)

    assert statistic == pytest.approx(expected[0])
    assert p_value == pytest.approx(expected[1])


def test_chi_square_pools_bins_whose_expected_count_is_below_five() -> None:
    baseline, window = np.array([300.0, 280.0, 10.0, 6.0]), np.array([100.0, 96.0, 1.0, 3.0])
    pooled = np.array([[300.0, 280.0, 16.0], [100.0, 96.0, 4.0]])

    statistic, p_value = chi_square_homogeneity(baseline, window)

    assert statistic == pytest.approx(stats.chi2_contingency(pooled, correction=False)[0])
    assert p_value == pytest.approx(stats.chi2_contingency(pooled, correction=False)[1])


def test_values_the_baseline_never_saw_count_as_drift() -> None:
    baseline = categorical_baseline({"car": 300, "tv": 300})
    window = pd.Series(["car"] * 50 + ["tv"] * 50 + ["boat"] * 100)

    result = categorical_drift(baseline, window, psi_threshold=0.2, p_value_threshold=0.001)

    assert result.drifted


def test_categorical_values_of_any_dtype_and_missing_values_are_counted_alike() -> None:
    baseline = categorical_baseline({"car": 300, "tv": 300})
    values = ["car"] * 60 + ["tv"] * 40 + [None] * 5

    as_text = categorical_drift(baseline, pd.Series(values, dtype=object), psi_threshold=0.2, p_value_threshold=0.01)
    as_category = categorical_drift(baseline, pd.Series(values, dtype="category"), psi_threshold=0.2,
                                    p_value_threshold=0.01)

    assert (as_text.window_count, as_text.psi, as_text.p_value) == (as_category.window_count, as_category.psi,
                                                                   as_category.p_value)
    assert as_text.window_count == 100


def test_numeric_drift_uses_the_sketch_when_there_is_one_and_the_buckets_otherwise() -> None:
    values = RNG.normal(0, 1, 600)

    assert numeric_drift(numeric_baseline(values), values[:200], psi_threshold=0.2,
                         p_value_threshold=0.01).reference == "kll_sketch"
    assert numeric_drift(numeric_baseline(values, sketch=False), values[:200], psi_threshold=0.2,
                         p_value_threshold=0.01).reference == "kll_buckets"


def test_the_family_wise_level_is_split_over_the_features_of_each_kind() -> None:
    values = RNG.normal(0, 1, 600)
    baseline = Baseline(
        features=(numeric_baseline(values, name="a"), numeric_baseline(values, name="b"),
                  categorical_baseline({"car": 1, "tv": 1}, name="c")),
        constraints={},
    )
    columns = {"a": pd.Series(values[:200]), "b": pd.Series(values[:200]), "c": pd.Series(["car", "tv"] * 100)}

    results = feature_drift(baseline, columns, psi_threshold=0.2, ks_p_value=0.01, chi_square_p_value=0.02)

    assert [result.p_value_threshold for result in results] == [0.005, 0.005, 0.02]


@pytest.mark.parametrize(("psi", "p_value", "drifted"), [(0.5, 0.0001, True), (0.5, 0.5, False), (0.05, 0.0001, False)])
def test_a_feature_drifts_only_when_its_psi_is_material_and_its_test_significant(psi, p_value, drifted) -> None:
    result = FeatureDrift("x", "numeric", "ks", "kll_sketch", 600, 200, psi, 0.3, p_value, 0.2, 0.001, "kll_buckets")

    assert result.drifted is drifted


def test_a_psi_exactly_at_the_threshold_is_material() -> None:
    result = FeatureDrift("x", "numeric", "ks", "kll_sketch", 600, 200, 0.2, 0.3, 0.0001, 0.2, 0.001, "kll_buckets")

    assert result.psi_exceeded
    assert result.drifted


def test_quantile_bins_catch_a_skewed_features_shift_that_equal_width_buckets_undersell(credit) -> None:
    # credit_amount: half the training rows sit in the lowest of ten equal-width buckets.
    quantile = credit.baseline.feature("credit_amount")
    equal_width = replace(quantile, psi_edges=None, psi_counts=None)
    holdout = credit.holdout["credit_amount"].to_numpy(dtype=float)
    rng = np.random.default_rng(11)
    windows = [rng.choice(holdout, 1000) for _ in range(100)]

    def share_exceeding(baseline, factor: float) -> float:
        return float(np.mean([numeric_drift(baseline, window * factor, psi_threshold=0.2,
                                            p_value_threshold=0.01).psi_exceeded for window in windows]))

    # Unshifted windows of unseen applicants: neither binning cries wolf.
    assert share_exceeding(quantile, 1.0) == share_exceeding(equal_width, 1.0) == 0.0
    # Every applicant asks for 20% more: deciles see it in (nearly) every window, equal width misses many.
    assert share_exceeding(quantile, 1.2) >= 0.95
    assert share_exceeding(equal_width, 1.2) <= 0.85
    assert numeric_drift(quantile, windows[0], psi_threshold=0.2, p_value_threshold=0.01).psi_bins == "quantile_bins"
    assert numeric_drift(equal_width, windows[0], psi_threshold=0.2, p_value_threshold=0.01).psi_bins == "kll_buckets"
