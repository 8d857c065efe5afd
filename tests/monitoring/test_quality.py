"""Data-quality checks against constraints.json, on the raw records the endpoint receives."""

import json

import numpy as np
import pandas as pd
import pytest

from pipelines_src.monitoring.analysis import Report, analyse, read_window_lines
from pipelines_src.monitoring.quality import (
    CATEGORICAL_VALUES,
    COMPLETENESS,
    DATA_TYPE,
    EXTRA_COLUMN,
    MISSING_COLUMN,
    NON_NEGATIVE,
)
from pipelines_src.monitoring.settings import JobSettings
from pipelines_src.monitoring.synthetic import capture_records
from tests.monitoring.traffic import CreditTraffic, window_report


def checks(report: Report) -> set:
    return {(violation.feature, violation.check) for violation in report.violations}


def raw_report(credit: CreditTraffic, rows: pd.DataFrame) -> Report:
    """The report of ``rows`` sent as raw CSV rows, with settings naming only the features."""
    settings = JobSettings(features=credit.settings.features)
    lines = [json.dumps(record).encode() for record in capture_records(rows, np.full(len(rows), 0.5))]
    return analyse(read_window_lines(lines, credit.baseline, settings), credit.baseline, settings, endpoint="test")


@pytest.fixture
def rows(credit: CreditTraffic) -> pd.DataFrame:
    return credit.test[list(credit.settings.features)].copy()


def test_traffic_like_the_training_data_violates_no_constraint(credit: CreditTraffic) -> None:
    assert window_report(credit, credit.test).violations == []


def test_raw_requests_like_the_training_data_violate_no_constraint(credit: CreditTraffic, rows) -> None:
    assert raw_report(credit, rows).violations == []


def test_missing_values_violate_completeness(credit: CreditTraffic, rows) -> None:
    rows["credit_amount"] = rows["credit_amount"].astype(float)
    rows.loc[:9, "credit_amount"] = np.nan

    report = raw_report(credit, rows)

    assert checks(report) == {("credit_amount", COMPLETENESS)}
    quality = next(feature for feature in report.feature_quality if feature.feature == "credit_amount")
    assert quality.completeness == pytest.approx(1 - 10 / len(rows))


def test_text_in_a_numeric_feature_is_a_type_mismatch_and_left_out_of_drift(credit: CreditTraffic, rows) -> None:
    rows["credit_amount"] = rows["credit_amount"].astype(object)
    rows.loc[:4, "credit_amount"] = "n/a"

    report = raw_report(credit, rows)

    assert checks(report) == {("credit_amount", DATA_TYPE)}
    drift = next(result for result in report.drift if result.feature == "credit_amount")
    assert drift.window_count == len(rows) - 5


def test_a_fraction_in_an_integral_feature_is_a_type_mismatch(credit: CreditTraffic, rows) -> None:
    rows["duration_in_month"] = rows["duration_in_month"].astype(float)
    rows.loc[0, "duration_in_month"] = 12.5

    assert checks(raw_report(credit, rows)) == {("duration_in_month", DATA_TYPE)}


def test_a_category_outside_the_baselines_domain_is_a_violation(credit: CreditTraffic, rows) -> None:
    rows.loc[0, "purpose"] = "spaceship"

    assert checks(raw_report(credit, rows)) == {("purpose", CATEGORICAL_VALUES)}


def test_a_negative_value_violates_non_negativity(credit: CreditTraffic, rows) -> None:
    rows.loc[0, "credit_amount"] = -100

    assert checks(raw_report(credit, rows)) == {("credit_amount", NON_NEGATIVE)}


def test_json_requests_without_a_feature_or_with_an_unknown_one_report_missing_and_extra_columns(
    credit: CreditTraffic, rows
) -> None:
    requests = rows.drop(columns=["telephone"]).assign(colour="red").to_dict("records")
    line = {"captureData": {"endpointInput": {"observedContentType": "application/json", "mode": "INPUT",
                                              "data": json.dumps(requests), "encoding": "JSON"}},
            "eventMetadata": {"eventId": "e1"}, "eventVersion": "0"}
    settings = JobSettings(features=credit.settings.features)
    captured = read_window_lines([json.dumps(line).encode()], credit.baseline, settings)

    report = analyse(captured, credit.baseline, settings, endpoint="test")

    assert checks(report) == {("telephone", MISSING_COLUMN), ("colour", EXTRA_COLUMN)}
    assert "telephone" not in [result.feature for result in report.drift]
