"""The report files: strict JSON, a small HTML page with a per-feature table and flags, a text summary."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from pipelines_src.monitoring.analysis import Report, analyse, read_window_lines
from pipelines_src.monitoring.report import render_html, render_summary, report_document, write_report
from tests.monitoring.traffic import SHIFTS, CreditTraffic, capture_lines


@pytest.fixture(scope="module")
def drifted(credit: CreditTraffic) -> Report:
    _, shift = SHIFTS["purpose flipped"]
    lines = capture_lines(credit, shift(credit.test)) + [b'{"captureData": ']
    captured = read_window_lines(lines, credit.baseline, credit.settings)
    for column in ("age_in_years", "foreign_worker", "personal_status_and_sex"):
        captured.frame[column] = credit.test[column].to_numpy()
    labels = (credit.test_labels == "good").to_numpy(dtype=float)
    return analyse(captured, credit.baseline, credit.settings, endpoint="mlops-credit-risk", labels=labels)


def test_the_json_report_is_strict_json_with_the_status_up_front(drifted: Report, tmp_path: Path) -> None:
    json_path, _ = write_report(drifted, tmp_path)

    def refuse(constant: str) -> None:
        raise AssertionError(f"non-standard JSON constant {constant}")

    document = json.loads(json_path.read_text(), parse_constant=refuse)
    assert document["status"]["drifted_features"] == ["purpose"]
    assert document["status"]["malformed_capture_records"] == 1
    assert document["capture"]["malformed_by_reason"] == {"invalid_json": 1}
    assert document["thresholds"]["psi_threshold"] == drifted.settings.psi_threshold
    assert {feature["feature"] for feature in document["drift"]["features"]} == set(drifted.settings.features)


def test_undefined_numbers_are_written_as_null(drifted: Report, tmp_path: Path) -> None:
    undefined = replace(drifted, model_quality=replace(drifted.model_quality, auc=float("nan")))

    json_path, _ = write_report(undefined, tmp_path)

    assert json.loads(json_path.read_text())["model_quality"]["auc"] is None


def test_the_html_report_has_a_row_per_feature_and_flags_the_drifted_one(drifted: Report) -> None:
    page = render_html(drifted)

    assert page.count('<tr class="flagged"><td>purpose</td>') == 1
    for feature in drifted.settings.features:
        assert f"<td>{feature}</td>" in page
    assert "<h2>Model quality</h2>" in page and "<h2>Fairness</h2>" in page


def test_the_html_report_escapes_values(drifted: Report) -> None:
    page = render_html(replace(drifted, endpoint="<script>"))

    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_the_summary_names_the_drifted_feature_and_the_malformed_lines(drifted: Report) -> None:
    summary = render_summary(drifted)

    assert "1 of 20 features drifted: purpose" in summary
    assert "1 malformed {'invalid_json': 1}" in summary
    assert np.any([line.strip().startswith("purpose") and line.endswith("DRIFT") for line in summary.splitlines()])


def test_a_model_without_fairness_reports_it_not_applicable_with_the_reason(drifted: Report, tmp_path: Path) -> None:
    reason = "the inputs hold no attribute of a person"
    report = replace(drifted, settings=replace(drifted.settings, sensitive_attributes=(), fairness_not_applicable=reason),
                     fairness=[])

    assert f"fairness: not applicable ({reason})" in render_summary(report)
    assert f"<h2>Fairness</h2><p>Not applicable: {reason}</p>" in render_html(report).replace("\n", "")
    assert report_document(report)["status"]["fairness_not_applicable"] == reason


def test_the_reports_name_each_attributes_group_d_with_the_side_of_its_threshold(drifted: Report) -> None:
    assert "fairness age_in_years (group d: age_in_years <= 25): DI" in render_summary(drifted)
    assert "<td>age_in_years &lt;= 25</td>" in render_html(drifted)
