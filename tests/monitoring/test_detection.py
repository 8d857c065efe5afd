"""Drift detection on synthetic credit-risk traffic: shifted features flagged, unshifted ones not.

The figures (detection rates, false-positive rates over hundreds of windows)
come from ``benchmarks/drift_accuracy.py``; these tests hold the behaviour
and an honest bound.
"""

import pytest

from tests.monitoring.traffic import SHIFTS, CreditTraffic, credit_traffic, holdout_windows, window_drift, window_report

CLEAR_SHIFTS = [name for name in SHIFTS if "subtle" not in name]
SPLITS = 50
WINDOW_ROWS = 100
MAX_FALSE_POSITIVE_RATE = 0.05


def test_traffic_like_the_training_data_flags_no_feature(credit: CreditTraffic) -> None:
    report = window_report(credit, credit.test)

    assert report.drift_evaluated
    assert report.drifted_features == []
    assert len(report.drift) == len(credit.settings.features)


@pytest.mark.parametrize("shift", CLEAR_SHIFTS)
def test_a_shifted_feature_is_flagged_and_no_other(credit: CreditTraffic, shift: str) -> None:
    feature, apply = SHIFTS[shift]

    report = window_report(credit, apply(credit.test))

    assert report.drifted_features == [feature]


def test_false_positive_rate_over_200_independent_unshifted_windows_is_at_most_five_percent() -> None:
    # Each split's 400 holdout rows make four disjoint windows of the fewest rows the job judges,
    # where PSI is noisiest: 200 independent samples of the training population.
    flagged = windows = 0
    for seed in range(SPLITS):
        traffic = credit_traffic(seed=5000 + seed)
        for window in holdout_windows(traffic, WINDOW_ROWS):
            flagged += any(result.drifted for result in window_drift(traffic, window))
            windows += 1

    assert windows == 200
    assert flagged / windows <= MAX_FALSE_POSITIVE_RATE
