"""The report files: strict JSON, a small HTML page with a per-feature table and flags, a text summary."""

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines_src.monitoring.analysis import Report, analyse, read_window_lines
from pipelines_src.monitoring.baseline import NumericBaseline
from pipelines_src.monitoring.histogram_svg import histogram_svg
from pipelines_src.monitoring.histograms import UNSEEN, by_severity, categorical_feature_histogram, numeric_feature_histogram
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


def _plotted(page: str) -> list:
    return re.findall(r'<svg class="histogram" data-feature="([^"]+)"', page)


def test_every_judged_feature_has_a_reference_and_current_histogram_drifted_first(drifted: Report) -> None:
    plotted = _plotted(render_html(drifted))

    assert sorted(plotted) == sorted(result.feature for result in drifted.drift)
    assert plotted[0] == "purpose"


def test_features_are_listed_by_severity_drifted_then_one_signal_then_by_psi(drifted: Report) -> None:
    calm = [result for result in drifted.drift if not result.drifted]
    strong_signal = replace(calm[0], psi=calm[0].psi_threshold * 3, p_value=1.0)
    # A significant test with a small PSI outranks a larger PSI that neither crosses its threshold nor is significant.
    weak_signal = replace(calm[1], psi=0.01, p_value=0.0)
    quiet = [replace(calm[2], psi=0.001, p_value=1.0), replace(calm[3], psi=calm[3].psi_threshold * 0.75, p_value=1.0)]
    drift = [quiet[0], weak_signal, quiet[1], strong_signal, *[result for result in drifted.drift if result.drifted]]

    ranked = [result.feature for result in by_severity(drift)]

    assert ranked == ["purpose", strong_signal.feature, weak_signal.feature, quiet[1].feature, quiet[0].feature]
    assert _plotted(render_html(replace(drifted, drift=drift))) == ranked


def test_the_feature_table_starts_with_the_drifted_feature(drifted: Report) -> None:
    page = render_html(drifted)

    assert page.index('<tr class="flagged"><td>purpose</td>') < min(
        page.index(f"<td>{result.feature}</td>") for result in drifted.drift if not result.drifted
    )


def test_a_numeric_histogram_uses_the_baseline_bins_with_overflow_bins_by_hand() -> None:
    baseline = NumericBaseline(name="amount", inferred_type="Integral", edges=np.array([0.0, 10.0, 20.0]),
                               counts=np.array([3.0, 1.0]), mean=8.0, std=5.0, minimum=0.0, maximum=20.0)

    histogram = numeric_feature_histogram(baseline, np.array([-1.0, 5.0, 15.0, 20.0, 25.0]))

    assert histogram.bins == ("< 0", "[0, 10)", "[10, 20]", "> 20")
    assert histogram.reference == (0.0, 0.75, 0.25, 0.0)
    assert histogram.current == (0.2, 0.2, 0.4, 0.2)


def test_a_categorical_histogram_keeps_values_the_baseline_never_saw_by_hand() -> None:
    current = pd.Series(["a", "c", None, "b", "b"])

    histogram = categorical_feature_histogram(("a", "b"), np.array([1.0, 3.0]), "purpose", current)

    assert histogram.bins == ("a", "b", UNSEEN)
    assert histogram.reference == (0.25, 0.75, 0.0)
    assert histogram.current == (0.25, 0.5, 0.25)


def test_a_histogram_bar_is_as_tall_as_its_share_and_says_it() -> None:
    histogram = categorical_feature_histogram(("a", "b"), np.array([1.0, 3.0]), "purpose", pd.Series(["a", "b"]))

    svg = histogram_svg(histogram, psi=0.4)

    heights = {title: float(height) for height, title in re.findall(r'height="([\d.]+)" fill="[^"]+"><title>([^<]+)</title>', svg)}
    assert heights["b: reference 75.0%"] == pytest.approx(heights["a: current 50.0%"] * 1.5, abs=0.1)
    assert "(PSI 0.400)" in svg


def test_the_html_report_opens_offline(drifted: Report) -> None:
    page = render_html(drifted)

    assert re.findall(r'(?:src|href)="[^"]*"', page) == [] and "<script" not in page and "http" not in page


def test_the_reports_name_each_attributes_group_d_with_the_side_of_its_threshold(drifted: Report) -> None:
    assert "fairness age_in_years (group d: age_in_years <= 25): DI" in render_summary(drifted)
    assert "<td>age_in_years &lt;= 25</td>" in render_html(drifted)
