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


def test_facet_d_is_the_rows_at_or_below_the_threshold() -> None:
    frame = pd.DataFrame({"age": ["24", "25", "26"]})

    assert bias.facet_mask(frame, {"column": "age", "threshold": 25}).tolist() == [True, True, False]


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
