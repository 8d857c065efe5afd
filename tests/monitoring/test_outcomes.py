"""Ground truth, model quality and fairness of the captured predictions."""

import base64
import math
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score, roc_auc_score

from pipelines_src.metrics.fairness_bounds import DI_OUTSIDE_BAND, DPPL_ABOVE_MAX
from pipelines_src.monitoring.fairness import INSUFFICIENT, NOT_CAPTURED, fairness
from pipelines_src.monitoring.ground_truth import align, labels_for_window, read_ground_truth
from pipelines_src.monitoring.model_quality import model_quality, roc_auc
from pipelines_src.monitoring.settings import JobSettings

AGE = {"column": "age", "threshold": 25, "facet": "at_or_below"}
WORKER = {"column": "foreign_worker", "group_values": ["yes"]}


def write_truth(path: Path, lines: list) -> Path:
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


def truth_line(event_id: str, data: str, **extra) -> dict:
    return {"groundTruthData": {"data": data, "encoding": "CSV"}, "eventMetadata": {"eventId": event_id},
            "eventVersion": "0", **extra}


def test_auc_matches_sklearn_including_tied_scores() -> None:
    generator = np.random.default_rng(3)
    labels = generator.integers(0, 2, 300).astype(bool)
    scores = np.round(generator.random(300) + labels * 0.3, 1)

    assert roc_auc(labels, scores) == pytest.approx(roc_auc_score(labels, scores))


def test_model_quality_counts_only_rows_with_a_prediction_and_a_label() -> None:
    predictions = np.array([0.9, 0.8, 0.3, 0.2, np.nan, 0.7])
    labels = np.array([1.0, 0.0, 1.0, 0.0, 1.0, np.nan])

    quality = model_quality(predictions, labels, prediction_threshold=0.5, min_auc=0.8)

    assert quality.labelled_records == 4
    assert quality.accuracy == 0.5
    assert quality.f1 == pytest.approx(f1_score([1, 0, 1, 0], [1, 1, 0, 0]))
    assert quality.auc == pytest.approx(roc_auc_score([1, 0, 1, 0], [0.9, 0.8, 0.3, 0.2]))
    assert quality.auc_below_gate


def test_auc_is_undefined_when_the_labels_hold_one_class() -> None:
    quality = model_quality(np.array([0.9, 0.1]), np.array([1.0, 1.0]), prediction_threshold=0.5, min_auc=0.7)

    assert np.isnan(quality.auc)
    assert not quality.auc_below_gate


def test_ground_truth_joins_captured_rows_on_event_id_and_row_position(tmp_path: Path) -> None:
    path = write_truth(tmp_path / "truth.jsonl", [truth_line("a", "good"), truth_line("b", "bad,good")])
    truth = read_ground_truth([path], positive_label="good")

    labels = align(np.array(["b", "a", "c", "b"], dtype=object), np.array([1, 0, 0, 0]),
                   labels_for_window(truth, None, 0))

    assert labels.tolist()[:2] == [1.0, 1.0]
    assert np.isnan(labels[2])
    assert labels[3] == 0.0


@pytest.mark.parametrize(("data", "positive"), [("good", True), ("GOOD", True), ("1", True), ("true", True),
                                                ("bad", False), ("0", False)])
def test_a_label_is_positive_when_it_is_the_positive_label_or_one_or_true(tmp_path: Path, data, positive) -> None:
    truth = read_ground_truth([write_truth(tmp_path / "t.jsonl", [truth_line("a", data)])], positive_label="good")

    assert truth.labels["label"].tolist() == [positive]


def test_base64_ground_truth_is_decoded_and_bad_lines_are_counted(tmp_path: Path) -> None:
    encoded = truth_line("a", base64.b64encode(b"good").decode())
    encoded["groundTruthData"]["encoding"] = "BASE64"
    bad_base64 = truth_line("b", "***")
    bad_base64["groundTruthData"]["encoding"] = "BASE64"
    path = write_truth(tmp_path / "t.jsonl", [encoded, bad_base64, '{"truncated', {"eventMetadata": {}}])

    truth = read_ground_truth([path], positive_label="good")

    assert truth.labels["label"].tolist() == [True]
    assert dict(truth.malformed) == {"bad_base64": 1, "invalid_record": 2}


def segments(d_rows: int, d_positive: int, a_rows: int, a_positive: int) -> tuple:
    """Rows of facet d (age 20) then facet a (age 40), and predictions with the given positives."""
    frame = pd.DataFrame({"age": [20.0] * d_rows + [40.0] * a_rows})
    predictions = np.array([0.9] * d_positive + [0.1] * (d_rows - d_positive)
                           + [0.9] * a_positive + [0.1] * (a_rows - a_positive))
    return frame, predictions


def test_disparate_impact_and_dppl_compare_predicted_positive_rates_of_the_facets() -> None:
    frame, predictions = segments(100, 30, 100, 60)

    [result] = fairness(frame, predictions, JobSettings(sensitive_attributes=(AGE,)))

    assert (result.facet_d_rows, result.facet_a_rows) == (100, 100)
    assert result.disparate_impact == pytest.approx(0.3 / 0.6)
    assert result.dppl == pytest.approx(0.6 - 0.3)
    assert set(result.flags) == {DI_OUTSIDE_BAND, DPPL_ABOVE_MAX}


def test_predictions_at_parity_raise_no_fairness_flag() -> None:
    frame, predictions = segments(100, 50, 100, 52)

    [result] = fairness(frame, predictions, JobSettings(sensitive_attributes=(AGE,)))

    assert result.judged
    assert result.flags == ()


def test_a_facet_smaller_than_min_facet_records_is_reported_but_not_judged() -> None:
    frame, predictions = segments(10, 1, 190, 150)

    [result] = fairness(frame, predictions, JobSettings(sensitive_attributes=(AGE,), min_facet_records=30))

    assert result.status == INSUFFICIENT
    assert result.flags == ()
    assert "fewer than 30 rows" in result.note


def test_an_attribute_the_capture_lacks_is_reported_as_not_captured() -> None:
    frame, predictions = segments(100, 30, 100, 60)

    [result] = fairness(frame, predictions, JobSettings(sensitive_attributes=(WORKER,)))

    assert result.status == NOT_CAPTURED
    assert result.note == "the attribute is not a captured column"


def test_equal_opportunity_difference_is_reported_when_labels_are_known() -> None:
    frame, predictions = segments(100, 30, 100, 60)
    labels = np.ones(200)

    [result] = fairness(frame, predictions, JobSettings(sensitive_attributes=(AGE,)), labels)

    assert result.equal_opportunity_difference == pytest.approx(0.6 - 0.3)
    assert result.labelled_rows == 200


def test_equal_opportunity_on_fewer_labelled_rows_than_the_minimum_is_insufficient() -> None:
    frame, predictions = segments(100, 30, 100, 60)
    labels = np.full(200, np.nan)
    labels[:49] = 1.0

    [result] = fairness(frame, predictions, JobSettings(sensitive_attributes=(AGE,), min_labelled_records=50), labels)

    assert result.labelled_rows == 49
    assert np.isnan(result.equal_opportunity_difference)


def test_model_quality_on_fewer_labelled_rows_than_the_minimum_is_insufficient_not_a_breach() -> None:
    predictions = np.array([0.9, 0.1, 0.2, 0.8])
    labels = np.array([0.0, 1.0, 0.0, 1.0])

    quality = model_quality(predictions, labels, prediction_threshold=0.5, min_auc=0.7, min_labelled_records=5)

    assert quality.auc < 0.7
    assert not quality.sufficient
    assert not quality.auc_below_gate


def test_favouring_the_disadvantaged_facet_above_the_band_is_flagged() -> None:
    frame, predictions = segments(100, 60, 100, 45)

    [result] = fairness(frame, predictions, JobSettings(sensitive_attributes=(AGE,), max_abs_dppl=0.5))

    assert result.disparate_impact == pytest.approx(0.6 / 0.45)
    assert result.flags == (DI_OUTSIDE_BAND,)


@pytest.mark.parametrize(("d_positive", "a_positive"), [(40, 50), (50, 40)])
def test_disparate_impact_on_either_end_of_the_band_is_within_it(d_positive: int, a_positive: int) -> None:
    frame, predictions = segments(100, d_positive, 100, a_positive)
    settings = JobSettings(sensitive_attributes=(AGE,), disparate_impact_band=(0.8, 1.25), max_abs_dppl=0.5)

    [result] = fairness(frame, predictions, settings)

    assert result.judged
    assert result.flags == ()


def test_an_attribute_not_captured_reports_nothing_but_its_name() -> None:
    frame, predictions = segments(100, 30, 100, 60)

    [result] = fairness(frame, predictions, JobSettings(sensitive_attributes=(WORKER,)))

    assert (result.attribute, result.facet_d_rows, result.facet_a_rows, result.judged, result.flags) == (
        "foreign_worker", 0, 0, False, ()
    )
    assert all(math.isnan(value) for value in (result.disparate_impact, result.dppl, result.equal_opportunity_difference))


def test_rows_without_a_prediction_or_a_value_are_left_out_of_both_facets() -> None:
    frame, predictions = segments(40, 20, 60, 30)
    frame.loc[0, "age"] = np.nan
    predictions[50] = np.nan

    [result] = fairness(frame, predictions, JobSettings(sensitive_attributes=(AGE,)))

    assert (result.attribute, result.facet_d_rows, result.facet_a_rows) == ("age", 39, 59)
    assert math.isnan(result.equal_opportunity_difference)


def test_a_prediction_at_the_threshold_is_positive() -> None:
    frame, predictions = segments(40, 0, 40, 40)
    predictions[:40] = 0.5

    [result] = fairness(frame, predictions, JobSettings(sensitive_attributes=(AGE,), prediction_threshold=0.5))

    assert result.disparate_impact == 1.0


def test_a_facet_of_exactly_min_facet_records_is_judged() -> None:
    frame, predictions = segments(30, 15, 50, 25)

    [result] = fairness(frame, predictions, JobSettings(sensitive_attributes=(AGE,), min_facet_records=30))

    assert (result.judged, result.note) == (True, "")


def test_a_dppl_exactly_at_its_maximum_is_not_flagged() -> None:
    frame, predictions = segments(100, 50, 100, 75)
    settings = JobSettings(sensitive_attributes=(AGE,), disparate_impact_band=(0.5, 2.0), max_abs_dppl=0.25)

    [result] = fairness(frame, predictions, settings)

    assert result.dppl == 0.25
    assert result.flags == ()
