"""What a fairness result says about itself: its rows, labels and status, judged or not."""

import math

import numpy as np
import pytest

from pipelines_src.monitoring.fairness import INSUFFICIENT, JUDGED, NOT_CAPTURED, fairness
from pipelines_src.monitoring.settings import JobSettings
from tests.monitoring.test_outcomes import AGE, segments


def test_an_attribute_that_is_not_captured_rests_on_no_rows_and_no_labels() -> None:
    frame, predictions = segments(50, 20, 50, 30)

    [result] = fairness(frame.rename(columns={"age": "other"}), predictions,
                        JobSettings(sensitive_attributes=(AGE,)), np.ones(100))

    assert (result.attribute, result.status, result.flags) == ("age", NOT_CAPTURED, ())
    assert (result.facet_d_rows, result.facet_a_rows, result.labelled_rows) == (0, 0, 0)
    assert all(math.isnan(value) for value in
               (result.disparate_impact, result.dppl, result.equal_opportunity_difference))


def test_without_ground_truth_a_judged_attribute_rests_on_no_labels() -> None:
    frame, predictions = segments(100, 30, 100, 60)

    [result] = fairness(frame, predictions, JobSettings(sensitive_attributes=(AGE,)))

    assert (result.status, result.labelled_rows) == (JUDGED, 0)
    assert math.isnan(result.equal_opportunity_difference)


def test_exactly_the_minimum_of_labelled_rows_is_enough_for_equal_opportunity() -> None:
    frame, predictions = segments(100, 30, 100, 60)
    labels = np.full(200, np.nan)
    labels[:25], labels[100:125] = 1.0, 1.0

    [result] = fairness(frame, predictions, JobSettings(sensitive_attributes=(AGE,), min_labelled_records=50), labels)

    assert result.labelled_rows == 50
    assert not math.isnan(result.equal_opportunity_difference)


def test_a_small_facet_is_insufficient_and_still_reports_what_it_measured() -> None:
    frame, predictions = segments(10, 3, 100, 60)
    labels = np.ones(110)

    [result] = fairness(frame, predictions, JobSettings(sensitive_attributes=(AGE,), min_labelled_records=50), labels)

    assert (result.attribute, result.status, result.flags) == ("age", INSUFFICIENT, ())
    assert (result.facet_d_rows, result.facet_a_rows, result.labelled_rows) == (10, 100, 110)
    assert result.disparate_impact == pytest.approx(0.3 / 0.6)
    assert result.dppl == pytest.approx(0.6 - 0.3)
    assert result.equal_opportunity_difference == pytest.approx(0.6 - 0.3)


def test_each_result_names_its_facet_with_the_side_of_the_threshold() -> None:
    frame, predictions = segments(100, 30, 100, 60)
    above = {**AGE, "facet": "above"}

    [at_or_below] = fairness(frame, predictions, JobSettings(sensitive_attributes=(AGE,)))
    [clarify] = fairness(frame, predictions, JobSettings(sensitive_attributes=(above,)))

    assert (at_or_below.facet_d, clarify.facet_d) == ("age <= 25", "age > 25")
    # The sides swap the facets, and with them the ratio.
    assert clarify.disparate_impact == pytest.approx(1 / at_or_below.disparate_impact)
