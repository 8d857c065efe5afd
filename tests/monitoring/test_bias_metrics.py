"""Bias metrics (``pipelines_src.metrics.bias``) on small facets computed by hand, including the
undefined cases, which must be nan rather than a guess."""

import math

import numpy as np
import pandas as pd
import pytest

from pipelines_src.metrics import bias

# Facet d: the first four rows. Labels and predictions per row.
FACET_D = [True, True, True, True, False, False, False, False, False, False]
LABELS = [True, False, False, False, True, True, True, False, False, False]
PREDICTED = [True, True, False, False, True, True, True, True, False, False]


def test_facet_d_is_the_rows_with_a_listed_group_value_compared_as_text() -> None:
    frame = pd.DataFrame({"foreign_worker": ["yes", "no", "yes", 1]})

    mask = bias.facet_mask(frame, {"column": "foreign_worker", "group_values": ["yes", "1"]})

    assert mask.tolist() == [True, False, True, True]


def test_facet_d_is_the_rows_on_the_named_side_of_the_threshold() -> None:
    frame = pd.DataFrame({"age": ["24", "25", "26"]})

    assert bias.facet_mask(frame, {"column": "age", "threshold": 25, "facet": "at_or_below"}).tolist() == [True, True, False]
    # Clarify's convention for a threshold: facet d is the values above it.
    assert bias.facet_mask(frame, {"column": "age", "threshold": 25, "facet": "above"}).tolist() == [False, False, True]


def test_a_threshold_without_a_side_is_refused_naming_the_attribute() -> None:
    with pytest.raises(ValueError, match="'age': facet must be 'above' or 'at_or_below', got None"):
        bias.facet_mask(pd.DataFrame({"age": [30]}), {"column": "age", "threshold": 25})


def test_class_imbalance_compares_the_facet_sizes() -> None:
    assert bias.class_imbalance(FACET_D) == pytest.approx((6 - 4) / 10)
    assert bias.class_imbalance([1, 1, 1]) == -1.0
    assert math.isnan(bias.class_imbalance([]))


def test_difference_in_proportions_of_labels_is_q_a_minus_q_d() -> None:
    assert bias.difference_in_proportions_of_labels(LABELS, FACET_D) == pytest.approx(3 / 6 - 1 / 4)


def test_difference_in_positive_proportions_in_predictions_is_q_a_minus_q_d() -> None:
    assert bias.difference_in_positive_proportions_in_predictions(PREDICTED, FACET_D) == pytest.approx(4 / 6 - 2 / 4)


def test_disparate_impact_is_q_d_over_q_a() -> None:
    assert bias.disparate_impact(PREDICTED, FACET_D) == pytest.approx((2 / 4) / (4 / 6))


@pytest.mark.parametrize(
    ("predicted", "facet_d"),
    [([True, False], [False, False]), ([True, False], [True, True]), ([False, True], [False, True])],
    ids=["empty facet d", "empty facet a", "no positive prediction in a"],
)
def test_disparate_impact_is_undefined_without_rows_or_positives_in_a(predicted, facet_d) -> None:
    assert math.isnan(bias.disparate_impact(np.array(predicted), np.array(facet_d)))


def test_rates_treat_any_truthy_value_as_positive() -> None:
    assert bias.disparate_impact([2, 0, 5, 5], [True, True, False, False]) == pytest.approx(0.5)
    assert bias.class_imbalance([2, 0, 0]) == pytest.approx((2 - 1) / 3)
    assert math.isnan(bias.difference_in_proportions_of_labels([1, 0], [True, True]))


def test_equal_opportunity_difference_compares_recall_over_truly_positive_rows() -> None:
    # True positives: d has row 0 (predicted), a has rows 4, 5, 6 (all predicted).
    assert bias.equal_opportunity_difference(LABELS, PREDICTED, FACET_D) == pytest.approx(1.0 - 1.0)
    missed = [False, *PREDICTED[1:]]
    assert bias.equal_opportunity_difference(LABELS, missed, FACET_D) == pytest.approx(1.0 - 0.0)
    assert bias.equal_opportunity_difference([1, 1, 0], [1, 0, 1], [False, True, True]) == pytest.approx(1.0)


def test_a_facet_given_as_zeros_and_ones_is_a_mask() -> None:
    facet = [int(row) for row in FACET_D]

    assert bias.difference_in_proportions_of_labels(LABELS, facet) == pytest.approx(3 / 6 - 1 / 4)
    assert bias.difference_in_positive_proportions_in_predictions(PREDICTED, facet) == pytest.approx(4 / 6 - 2 / 4)
    assert bias.disparate_impact(PREDICTED, facet) == pytest.approx((2 / 4) / (4 / 6))
    assert bias.equal_opportunity_difference(LABELS, [False, *PREDICTED[1:]], facet) == pytest.approx(1.0)


# Confusion counts of the module's rows. Facet d (rows 0-3): TP 1, FP 1, FN 0, TN 2.
# Facet a (rows 4-9): TP 3, FP 1, FN 0, TN 2.
def test_post_training_metrics_from_the_confusion_counts_of_each_facet() -> None:
    assert bias.specificity_difference(LABELS, PREDICTED, FACET_D) == pytest.approx(2 / 3 - 2 / 3)
    # Conditional acceptance: observed / predicted positives, a: 3/4, d: 1/2.
    assert bias.difference_in_conditional_acceptance(LABELS, PREDICTED, FACET_D) == pytest.approx(3 / 4 - 1 / 2)
    # Conditional rejection: observed / predicted negatives, d: 3/2, a: 3/2.
    assert bias.difference_in_conditional_rejection(LABELS, PREDICTED, FACET_D) == pytest.approx(0.0)
    assert bias.difference_in_acceptance_rates(LABELS, PREDICTED, FACET_D) == pytest.approx(3 / 4 - 1 / 2)
    assert bias.difference_in_rejection_rates(LABELS, PREDICTED, FACET_D) == pytest.approx(2 / 2 - 2 / 2)
    assert bias.accuracy_difference(LABELS, PREDICTED, FACET_D) == pytest.approx(5 / 6 - 3 / 4)


def test_treatment_equality_compares_false_negatives_per_false_positive() -> None:
    labels = [True, True, False, True, False, False]
    predicted = [False, True, True, False, True, True]
    facet_d = [True, True, True, False, False, False]
    # d: FN 1, FP 1; a: FN 1, FP 2.
    assert bias.treatment_equality(labels, predicted, facet_d) == pytest.approx(1 / 1 - 1 / 2)


def test_a_zero_denominator_is_undefined_not_a_stand_in_for_infinity() -> None:
    # No false positive in either facet: TE's ratios are undefined (smclarify says 0 or infinity).
    assert math.isnan(bias.treatment_equality([True, True], [False, False], [True, False]))
    # No positive prediction in d: its acceptance rate is undefined.
    assert math.isnan(bias.difference_in_acceptance_rates([True, True], [True, False], [False, True]))


def test_label_distribution_distances() -> None:
    # a: 3 of 6 positive; d: 1 of 4 positive.
    p_a, p_d = np.array([0.5, 0.5]), np.array([0.75, 0.25])
    assert bias.kl_divergence(LABELS, FACET_D) == pytest.approx(float(np.sum(p_a * np.log(p_a / p_d))))
    mixture = (p_a + p_d) / 2
    assert bias.js_divergence(LABELS, FACET_D) == pytest.approx(
        0.5 * float(np.sum(p_a * np.log(p_a / mixture)) + np.sum(p_d * np.log(p_d / mixture))))
    assert bias.lp_norm(LABELS, FACET_D) == pytest.approx(math.sqrt(2 * 0.25**2))
    assert bias.total_variation_distance(LABELS, FACET_D) == pytest.approx(0.25)
    assert bias.kolmogorov_smirnov(LABELS, FACET_D) == pytest.approx(0.25)


def test_label_distances_cover_only_the_values_both_facets_hold() -> None:
    # d holds only positives: Clarify aligns the distributions on the shared value, so they agree.
    labels, facet_d = [True, False, True, True], [False, False, True, True]
    assert bias.total_variation_distance(labels, facet_d) == pytest.approx(0.5 * abs(0.5 - 1.0))
    assert math.isnan(bias.kl_divergence([True, False], [False, False]))


def test_generalized_entropy_is_zero_when_every_prediction_is_right() -> None:
    assert bias.generalized_entropy(LABELS, LABELS) == 0.0
    # Benefits 1 + predicted - label: rows 1, 7 get 2 (false positives), the rest 1.
    benefit = np.array([1, 2, 1, 1, 1, 1, 1, 2, 1, 1], dtype=float)
    ratio = benefit / benefit.mean()
    assert bias.generalized_entropy(LABELS, PREDICTED) == pytest.approx(float((ratio**2 - 1).sum() / (10 * 2)))
