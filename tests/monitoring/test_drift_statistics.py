"""The drift engine's statistics against independent computations: every field of a result,
the empty and tiny inputs, and the exact bounds of rare-bin pooling."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pipelines_src.monitoring.baseline import Baseline
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
from tests.monitoring.test_drift import categorical_baseline, numeric_baseline

RNG = np.random.default_rng(14)


def contingency(table) -> tuple:
    statistic, p_value, _, _ = stats.chi2_contingency(np.array(table, dtype=float), correction=False)
    return pytest.approx(statistic), pytest.approx(p_value)


@pytest.mark.parametrize("test", [binned_ks, chi_square_homogeneity])
@pytest.mark.parametrize(("baseline", "window"), [([0.0, 0.0], [1.0, 2.0, 3.0, 0.0]), ([4.0, 5.0], [0.0, 0.0, 0.0, 0.0])])
def test_an_empty_side_is_no_evidence_of_drift(test, baseline, window) -> None:
    window = np.array(window if test is binned_ks else window[:2])
    assert test(np.array(baseline), window) == (0.0, 1.0)


@pytest.mark.parametrize(("values", "baseline_count"), [([], 10.0), ([5.0, 6.0], 0.0)])
def test_sketch_ks_without_window_or_baseline_is_no_evidence_of_drift(values, baseline_count) -> None:
    assert sketch_ks(np.array([1.0, 2.0]), np.array([1.0, 1.0]), np.array(values), baseline_count) == (0.0, 1.0)


def test_binned_ks_compares_the_shares_below_each_edge() -> None:
    # Baseline buckets 10/30/60; the window: 5 below the first edge, 20/20/50 in the buckets, 5 above.
    distance, p_value = binned_ks(np.array([10.0, 30.0, 60.0]), np.array([5.0, 20.0, 20.0, 50.0, 5.0]))

    baseline_cdf = np.array([0.0, 0.1, 0.4, 1.0])
    window_cdf = np.array([0.05, 0.25, 0.45, 0.95])
    expected = float(np.max(np.abs(baseline_cdf - window_cdf)))
    assert distance == pytest.approx(expected)
    assert p_value == pytest.approx(stats.kstwo.sf(expected, 50))


def test_binned_ks_of_one_value_on_each_side_uses_one_effective_observation() -> None:
    distance, p_value = binned_ks(np.array([1.0, 0.0]), np.array([0.0, 0.0, 1.0, 0.0]))

    assert (distance, p_value) == (1.0, pytest.approx(stats.kstwo.sf(1.0, 1)))


def test_sketch_ks_of_one_value_on_each_side_uses_one_effective_observation() -> None:
    distance, p_value = sketch_ks(np.array([1.0]), np.array([1.0]), np.array([2.0]), 1.0)

    assert (distance, p_value) == (1.0, pytest.approx(stats.kstwo.sf(1.0, 1)))


def test_binned_ks_starts_the_baseline_below_its_first_edge_at_zero() -> None:
    assert binned_ks(np.array([1.0, 1.0]), np.array([3.0, 0.0, 0.0, 0.0]))[0] == 1.0


@pytest.mark.parametrize("test", ["binned", "sketch"])
def test_two_values_on_each_side_weigh_as_one_effective_observation(test: str) -> None:
    if test == "binned":
        distance, p_value = binned_ks(np.array([2.0, 0.0]), np.array([0.0, 1.0, 1.0, 0.0]))
    else:
        distance, p_value = sketch_ks(np.array([1.0, 2.0]), np.array([1.0, 1.0]), np.array([2.0, 3.0]), 2.0)

    assert (distance, p_value) == (0.5, pytest.approx(stats.kstwo.sf(0.5, 1)))


def test_sketch_ks_p_value_uses_the_baseline_count_not_the_sketch_size() -> None:
    baseline, window = np.sort(RNG.normal(0, 1, 300)), RNG.normal(0.2, 1, 100)

    distance, p_value = sketch_ks(baseline, np.ones(300), window, 3000.0)

    assert distance == pytest.approx(stats.ks_2samp(baseline, window).statistic)
    assert p_value == pytest.approx(stats.kstwo.sf(distance, round(3000 * 100 / 3100)))


def test_psi_gives_each_bin_half_a_count_on_both_sides() -> None:
    p = np.array([0.5, 10.5, 30.5]) / 41.5
    q = np.array([20.5, 10.5, 0.5]) / 31.5
    assert population_stability_index([0, 10, 30], [20, 10, 0]) == pytest.approx(np.sum((q - p) * np.log(q / p)))


def test_chi_square_drops_categories_neither_side_has() -> None:
    with_empty = chi_square_homogeneity(np.array([200.0, 0.0, 300.0, 100.0]), np.array([60.0, 0.0, 100.0, 40.0]))

    assert with_empty == contingency([[200, 300, 100], [60, 100, 40]])


def test_a_category_with_a_single_row_is_kept() -> None:
    assert chi_square_homogeneity(np.array([100.0, 1.0]), np.array([50.0, 0.0])) == contingency([[100, 1], [50, 0]])


def test_a_category_neither_side_has_never_becomes_a_bin() -> None:
    assert chi_square_homogeneity(np.array([100.0, 0.0]), np.array([50.0, 0.0])) == (0.0, 1.0)


def test_a_rare_pooled_bin_beside_a_single_other_bin_stays_its_own_bin() -> None:
    assert chi_square_homogeneity(np.array([100.0, 2.0]), np.array([50.0, 1.0])) == contingency([[100, 2], [50, 1]])


def test_rarity_of_the_pooled_bin_is_judged_over_both_samples() -> None:
    # Pooled 10 rows over n = 307, m = 113 expect 2.7 (< 5): they join the first bin.
    result = chi_square_homogeneity(np.array([100.0, 200.0, 4.0, 3.0]), np.array([50.0, 60.0, 2.0, 1.0]))

    assert result == contingency([[107, 200], [53, 60]])


def test_a_still_rare_pooled_bin_joins_the_smallest_bin_wherever_it_is() -> None:
    result = chi_square_homogeneity(np.array([200.0, 100.0, 3.0, 2.0]), np.array([60.0, 50.0, 1.0, 1.0]))

    assert result == contingency([[200, 105], [60, 52]])


def test_an_expected_count_of_exactly_five_is_not_rare() -> None:
    # n = m = 50: a category with 10 rows in all expects exactly 5 per side, so it stays its own bin.
    result = chi_square_homogeneity(np.array([40.0, 6.0, 4.0]), np.array([40.0, 4.0, 6.0]))

    assert result == contingency([[40, 6, 4], [40, 4, 6]])


def test_a_pooled_bin_expecting_exactly_five_stays_its_own_bin() -> None:
    # n = m = 55: the two rare bins pool into 10 rows, which expect exactly 5 per side.
    result = chi_square_homogeneity(np.array([35.0, 15.0, 3.0, 2.0]), np.array([25.0, 25.0, 2.0, 3.0]))

    assert result == contingency([[35, 15, 5], [25, 25, 5]])


def test_a_pooled_bin_still_rare_joins_the_smallest_other_bin() -> None:
    # Totals 150/260/4/3 over n = 305, m = 112: the last two pool into 7 rows (expected 1.9), still
    # rare, so they join the smaller remaining bin (the first).
    result = chi_square_homogeneity(np.array([100.0, 200.0, 3.0, 2.0]), np.array([50.0, 60.0, 1.0, 1.0]))

    assert result == contingency([[105, 200], [52, 60]])


def test_a_pooled_bin_no_longer_rare_stays_its_own_bin() -> None:
    result = chi_square_homogeneity(np.array([100.0, 200.0, 12.0, 12.0, 12.0]), np.array([50.0, 60.0, 3.0, 3.0, 3.0]))

    assert result == contingency([[100, 200, 36], [50, 60, 9]])


def test_chi_square_with_every_bin_pooled_into_one_is_no_evidence_of_drift() -> None:
    assert chi_square_homogeneity(np.array([3.0, 1.0]), np.array([1.0, 3.0])) == (0.0, 1.0)


def test_numeric_drift_reports_every_field() -> None:
    values = RNG.normal(0, 1, 600)
    baseline = numeric_baseline(values, name="age", sketch=False)
    window = np.concatenate([values[:150], [-9.0] * 25, [9.0] * 25])

    result = numeric_drift(baseline, window, psi_threshold=0.2, p_value_threshold=0.01)

    histogram = numeric_histogram(baseline.edges, window)
    distance, p_value = binned_ks(baseline.counts, histogram)
    assert result == FeatureDrift(
        feature="age", kind="numeric", test="ks", reference="kll_buckets", baseline_count=600, window_count=200,
        psi=pytest.approx(population_stability_index(np.concatenate([[0.0], baseline.counts, [0.0]]), histogram)),
        statistic=distance, p_value=p_value, psi_threshold=0.2, p_value_threshold=0.01, psi_bins="kll_buckets",
    )
    assert histogram[0] == 25 and histogram[-1] == 25


def test_categorical_drift_reports_every_field_with_unseen_values_in_their_own_bin() -> None:
    baseline = categorical_baseline({"car": 300, "tv": 200}, name="purpose")
    window = pd.Series(["car"] * 40 + ["boat"] * 10 + [None] * 3, dtype=object)

    result = categorical_drift(baseline, window, psi_threshold=0.2, p_value_threshold=0.01)

    window_counts, baseline_counts = np.array([40.0, 0.0, 10.0]), np.array([300.0, 200.0, 0.0])
    statistic, p_value = chi_square_homogeneity(baseline_counts, window_counts)
    assert result == FeatureDrift(
        feature="purpose", kind="categorical", test="chi_square", reference="categorical_buckets",
        baseline_count=500, window_count=50,
        psi=pytest.approx(population_stability_index(baseline_counts, window_counts)),
        statistic=pytest.approx(statistic), p_value=pytest.approx(p_value), psi_threshold=0.2, p_value_threshold=0.01,
        psi_bins="categorical_buckets",
    )


def test_a_category_dtype_counts_categories_the_window_lacks_as_zero() -> None:
    baseline = categorical_baseline({"car": 300, "tv": 200, "radio": 100})
    window = pd.Series(pd.Categorical(["car"] * 30 + ["tv"] * 20, categories=["car", "tv", "radio"]))

    as_category = categorical_drift(baseline, window, psi_threshold=0.2, p_value_threshold=0.01)
    as_text = categorical_drift(baseline, window.astype(object), psi_threshold=0.2, p_value_threshold=0.01)

    assert (as_category.psi, as_category.p_value) == (as_text.psi, as_text.p_value)


def test_feature_drift_ignores_missing_numbers_and_passes_the_thresholds_on() -> None:
    values = RNG.normal(0, 1, 600)
    baseline = Baseline(features=(numeric_baseline(values, name="a"), categorical_baseline({"x": 5, "y": 5}, name="c")),
                        constraints={})
    columns = {"a": pd.Series([*values[:100], None], dtype="Float64"), "c": pd.Series(["x", "y"] * 10)}

    numeric, categorical = feature_drift(baseline, columns, psi_threshold=0.3, ks_p_value=0.02, chi_square_p_value=0.04)

    assert numeric == numeric_drift(baseline.features[0], values[:100], psi_threshold=0.3, p_value_threshold=0.02)
    assert (categorical.psi_threshold, categorical.p_value_threshold, categorical.window_count) == (0.3, 0.04, 20)


def test_the_categorical_level_is_split_over_the_categorical_features() -> None:
    baseline = Baseline(features=(categorical_baseline({"x": 5, "y": 5}, name="c"),
                                  categorical_baseline({"x": 5, "y": 5}, name="d")), constraints={})
    columns = {"c": pd.Series(["x", "y"] * 10), "d": pd.Series(["x", "y"] * 10)}

    results = feature_drift(baseline, columns, psi_threshold=0.3, ks_p_value=0.02, chi_square_p_value=0.04)

    assert [result.p_value_threshold for result in results] == [0.02, 0.02]
