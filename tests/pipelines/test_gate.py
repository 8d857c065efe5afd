"""The gate's verdict in words: which gate failed, and by how much."""

import math

import pytest

from pipelines_src.model_build.steps.gate import Gates, gate_failures, gate_verdict

GATES = Gates(min_auc=0.9, min_disparate_impact=0.8, max_disparate_impact=1.25, max_abs_dppl=0.1, min_group_size=30)


def test_a_model_that_meets_every_gate_passes() -> None:
    verdict = gate_verdict(0.95, {"age": 1.0, "sex": 0.85}, GATES)
    assert verdict["passed"] is True
    assert verdict["message"] == "All quality gates passed"


def test_a_low_auc_says_by_how_much() -> None:
    assert gate_failures(0.71, {}, GATES) == ["AUC 0.710 < min_auc 0.900 (short by 0.190)"]


def test_a_disparate_impact_below_the_band_says_by_how_much() -> None:
    assert gate_failures(0.95, {"age": 0.74}, GATES) == [
        "disparate impact of age 0.740 < 0.800, below the band [0.800, 1.250] (short by 0.060)"
    ]


def test_a_disparate_impact_above_the_band_says_by_how_much() -> None:
    assert gate_failures(0.95, {"age": 1.4}, GATES) == [
        "disparate impact of age 1.400 > 1.250, above the band [0.800, 1.250] (over by 0.150)"
    ]


def test_an_undefined_disparate_impact_fails() -> None:
    assert gate_failures(0.95, {"age": math.nan, "sex": None}, GATES) == [
        "disparate impact of age is undefined (a group has no rows or no positive predictions)",
        "disparate impact of sex is undefined (a group has no rows or no positive predictions)",
    ]


def test_every_failure_is_in_the_one_line_message() -> None:
    verdict = gate_verdict(0.5, {"age": 2.0}, GATES)
    assert verdict["passed"] is False
    assert verdict["message"] == "Quality gate failed: " + "; ".join(verdict["failures"])
    assert len(verdict["failures"]) == 2


def test_a_dppl_beyond_its_bound_says_by_how_much_even_with_disparate_impact_in_the_band() -> None:
    assert gate_failures(0.95, {"sex": 0.85}, GATES, {"sex": -0.13}) == [
        "DPPL of sex -0.130: |DPPL| > max_abs_dppl 0.100 (over by 0.030)"
    ]


def test_gates_come_from_the_settings(settings, model) -> None:
    low, high = model.gates.disparate_impact_band
    assert Gates.from_settings(settings["gates"]) == Gates(
        model.gates.min_auc, low, high, model.gates.max_abs_dppl, model.gates.min_group_size
    )


def test_without_fairness_the_verdict_says_not_applicable_with_the_reason() -> None:
    verdict = gate_verdict(0.95, {}, GATES, fairness_not_applicable="no attribute of a person")
    assert verdict["passed"] is True
    assert verdict["message"] == "AUC gate passed; fairness gates not applicable: no attribute of a person"
    assert verdict["fairness_not_applicable"] == "no attribute of a person"


def test_without_fairness_a_failed_auc_still_says_fairness_was_not_applicable() -> None:
    verdict = gate_verdict(0.71, {}, GATES, fairness_not_applicable="no attribute of a person")
    assert verdict["passed"] is False
    assert verdict["message"] == (
        "Quality gate failed: AUC 0.710 < min_auc 0.900 (short by 0.190); "
        "fairness gates not applicable: no attribute of a person"
    )


def test_fairness_cannot_be_both_judged_and_not_applicable() -> None:
    with pytest.raises(
        ValueError,
        match="^fairness_not_applicable contradicts the disparate impacts given: judge fairness or declare it not applicable$",
    ):
        gate_verdict(0.95, {"age": 1.0}, GATES, fairness_not_applicable="no attribute of a person")


def test_the_verdict_records_the_metrics_and_the_gates_it_judged_against() -> None:
    assert gate_verdict(0.95, {"age": 1.0}, GATES, {"age": -0.05}) == {
        "passed": True,
        "failures": [],
        "message": "All quality gates passed",
        "auc": 0.95,
        "disparate_impact": {"age": 1.0},
        "dppl": {"age": -0.05},
        "group_rows": {},
        "confidence_intervals": {},
        "fairness_not_applicable": None,
        "gates": {"min_auc": 0.9, "disparate_impact_band": [0.8, 1.25], "max_abs_dppl": 0.1, "min_group_size": 30},
    }


def test_metrics_exactly_at_the_gates_pass() -> None:
    assert gate_failures(0.9, {"age": 0.8, "sex": 1.25}, GATES, {"age": 0.1, "sex": -0.1}) == []


def test_an_undefined_auc_fails() -> None:
    assert gate_failures(float("nan"), {}, GATES) == ["AUC is undefined"]
    assert gate_failures(None, {}, GATES) == ["AUC is undefined"]


def test_the_verdict_fails_a_model_on_its_dppl_alone() -> None:
    verdict = gate_verdict(0.95, {"age": 1.0}, GATES, {"age": -0.2})

    assert not verdict["passed"]
    assert verdict["failures"] == ["DPPL of age -0.200: |DPPL| > max_abs_dppl 0.100 (over by 0.100)"]


FOREIGN = {"d": 191, "a": 9, "facet_d": "foreign_worker in ['yes']"}


def test_a_group_below_the_minimum_fails_with_metrics_in_the_band_naming_attribute_group_size_and_minimum() -> None:
    verdict = gate_verdict(0.95, {"foreign_worker": 0.93}, GATES, {"foreign_worker": 0.05},
                           group_rows={"foreign_worker": FOREIGN})

    assert not verdict["passed"]
    assert verdict["failures"] == [
        "foreign_worker: group a (not foreign_worker in ['yes']) has 9 test rows, fewer than min_group_size 30: "
        "too few to judge its fairness"
    ]


def test_either_facet_can_be_the_small_one() -> None:
    failures = gate_failures(0.95, {"age": 1.0}, GATES, {"age": 0.0},
                             group_rows={"age": {"d": 29, "a": 171, "facet_d": "age <= 25"}})

    assert failures == ["age: group d (age <= 25) has 29 test rows, fewer than min_group_size 30: too few to judge its fairness"]


def test_groups_exactly_at_the_minimum_pass() -> None:
    assert gate_failures(0.95, {"age": 1.0}, GATES, {"age": 0.0},
                         group_rows={"age": {"d": 30, "a": 30, "facet_d": "age <= 25"}}) == []


def test_the_verdict_records_the_group_sizes_and_intervals_it_was_given() -> None:
    intervals = {"foreign_worker": {"DI": {"low": 0.7, "high": 1.5, "defined_resamples": 1000}}}
    verdict = gate_verdict(0.95, {"foreign_worker": 0.93}, GATES, {"foreign_worker": 0.05},
                           group_rows={"foreign_worker": FOREIGN}, confidence_intervals=intervals)

    assert verdict["group_rows"] == {"foreign_worker": FOREIGN}
    assert verdict["confidence_intervals"] == intervals
    assert verdict["gates"]["min_group_size"] == 30
