"""The build report's score sections: curves, calibration, the priced threshold table, error rates
per group and the SHAP beeswarm; numbers checked by hand on tiny examples, the page on a local run."""

import json
import re

import numpy as np
import pytest
import xgboost as xgb

from pipelines_src.model_build.steps import quality_curves as curves
from pipelines_src.model_build.steps.features import ENCODING_FILE, FeatureEncoding
from pipelines_src.model_build.steps.files import read_table
from pipelines_src.model_build.steps.fairness_html import render_report
from pipelines_src.model_build.steps.model_artifact import load_booster
from pipelines_src.model_build.steps.quality_html import FIGURE_IDS, quality_sections
from pipelines_src.model_build.steps.score_details import ScoreDetails, raw_column_shap

GERMAN_CREDIT = curves.CostMatrix(false_positive=5, false_negative=1)
# Five rows: at 0.5 two true positives (0.9, 0.6), a false positive (0.7), a true negative (0.2)
# and a false negative (0.4); at 0.8 one true positive and two false negatives.
LABELS = np.array([1, 1, 0, 0, 1])
SCORES = np.array([0.9, 0.6, 0.7, 0.2, 0.4])


def test_the_threshold_table_counts_and_prices_each_threshold_by_hand() -> None:
    at_half, at_eight_tenths = curves.threshold_table(LABELS, SCORES, GERMAN_CREDIT, thresholds=(0.5, 0.8))

    assert at_half == {
        "threshold": 0.5, "tp": 2, "fp": 1, "tn": 1, "fn": 1,
        "precision": pytest.approx(2 / 3), "recall": pytest.approx(2 / 3), "false_positive_rate": 0.5,
        "predicted_positive_share": 0.6, "total_cost": 6.0, "expected_cost": pytest.approx(1.2),
    }
    assert (at_eight_tenths["fp"], at_eight_tenths["fn"], at_eight_tenths["total_cost"]) == (0, 2, 2.0)
    assert at_eight_tenths["expected_cost"] == pytest.approx(0.4)


def test_the_cheapest_threshold_is_the_one_of_least_expected_cost() -> None:
    table = curves.threshold_table(LABELS, SCORES, GERMAN_CREDIT, thresholds=(0.3, 0.5, 0.8))
    assert curves.cheapest(table)["threshold"] == 0.8
    assert curves.cheapest(curves.threshold_table(LABELS, SCORES, curves.CostMatrix(1, 5), thresholds=(0.3, 0.5, 0.8)))["threshold"] == 0.3


def test_a_calibrated_score_breaks_even_where_the_costs_balance() -> None:
    assert GERMAN_CREDIT.break_even_threshold() == pytest.approx(5 / 6)


def test_the_cost_matrix_comes_from_the_settings_by_name(settings) -> None:
    costs = curves.CostMatrix.from_settings(settings["evaluation"])
    assert (costs.false_positive, costs.false_negative) == tuple(
        settings["evaluation"]["cost_matrix"][name] for name in ("false_positive", "false_negative")
    )


def test_calibration_bins_hold_the_mean_score_and_the_positive_share_by_hand() -> None:
    bins = curves.calibration(np.array([0, 1, 0, 1, 1]), np.array([0.05, 0.15, 0.12, 0.95, 1.0]))
    assert [(b.low, b.rows, b.mean_score, b.positive_rate) for b in bins] == [
        (0.0, 1, pytest.approx(0.05), 0.0),
        (pytest.approx(0.1), 2, pytest.approx(0.135), 0.5),
        (pytest.approx(0.9), 2, pytest.approx(0.975), 1.0),
    ]


def test_error_rates_of_a_group_by_hand() -> None:
    labels = np.array([1, 1, 0, 0, 0, 1])
    predicted = np.array([1, 0, 1, 0, 0, 1], dtype=bool)
    group = np.array([True, True, True, True, False, False])
    assert curves.error_rates(labels, predicted, group) == {"rows": 4, "false_positive_rate": 0.5, "false_negative_rate": 0.5}
    assert np.isnan(curves.error_rates(labels, predicted, ~group & (labels == 1))["false_positive_rate"])


def _details(group_errors: dict) -> ScoreDetails:
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 60)
    return ScoreDetails(
        labels=labels,
        scores=np.clip(labels * 0.4 + rng.random(60) * 0.6, 0, 1),
        positive_label="good",
        threshold=0.5,
        costs=GERMAN_CREDIT,
        group_errors=group_errors,
        shap=rng.normal(size=(60, 2)),
        shap_colours=np.column_stack([rng.random(60), np.full(60, np.nan)]),
        shap_columns=["amount", "purpose"],
    )


GROUP_ERRORS = {
    "age": {
        "facet_d": "age <= 25",
        "d": {"rows": 20, "false_positive_rate": 0.4, "false_negative_rate": 0.1},
        "a": {"rows": 40, "false_positive_rate": 0.2, "false_negative_rate": float("nan")},
    }
}


def test_every_figure_and_table_of_the_score_sections_is_embedded() -> None:
    page = quality_sections(_details(GROUP_ERRORS))
    embedded = re.findall(r'<figure id="([^"]+)"><img alt="[^"]*" src="data:image/png;base64,', page)
    assert embedded == list(FIGURE_IDS)
    assert all(f'<table id="{table}">' in page for table in ("calibration-bins", "threshold-table", "group-error-table"))
    assert "<td>age</td><td>d</td><td>age &lt;= 25</td><td>20</td><td>0.400</td><td>0.100</td>" in page
    assert "<td>age</td><td>a</td><td>everyone else</td><td>40</td><td>0.200</td><td>undefined</td>" in page


def test_the_cheapest_and_the_gate_threshold_rows_are_marked() -> None:
    details = _details(GROUP_ERRORS)
    best = curves.cheapest(curves.threshold_table(details.labels, details.scores, GERMAN_CREDIT))["threshold"]
    page = quality_sections(details)
    assert f'<tr class="cheapest"><td>{best:.2f}</td>' in page
    if best != 0.5:
        assert '<tr class="current"><td>0.50</td>' in page


def test_a_model_without_sensitive_attributes_has_no_group_error_section() -> None:
    page = quality_sections(_details({}))
    assert "group-error" not in page and 'id="shap-beeswarm"' in page


def test_per_row_shap_of_raw_columns_adds_up_to_the_model_output(local_run) -> None:
    encoding = FeatureEncoding.from_json(json.loads((local_run.out / "preprocess" / "metadata" / ENCODING_FILE).read_text()))
    test = read_table(local_run.out / "preprocess" / "splits" / "test.csv")
    booster = load_booster(local_run.out / "model")
    values = raw_column_shap(booster, test, encoding)
    margin = booster.predict(xgb.DMatrix(encoding.features(test)), output_margin=True)
    expected_value = booster.predict(xgb.DMatrix(encoding.features(test)), pred_contribs=True)[0, -1]
    assert values.shape == (len(test), len(encoding.source_columns))
    assert np.allclose(values.sum(axis=1) + expected_value, margin, atol=1e-4)


def test_the_local_run_report_opens_offline_with_every_section(local_run, model) -> None:
    page = (local_run.out / "fairness" / "report.html").read_text()
    expected = [figure for figure in FIGURE_IDS if not (model.fairness_not_applicable and figure == "group-error-rates")]
    assert re.findall(r'<figure id="([^"]+)"><img alt="[^"]*" src="data:image/png;base64,', page) == expected
    # Nothing is fetched: every src and href is inline data.
    assert re.findall(r'(?:src|href)="(?!data:)[^"]*"', page) == []
    assert "<script" not in page


def test_bias_intervals_and_group_counts_are_shown_when_the_step_provides_them() -> None:
    facet = {
        "facet_d": "foreign_worker in ['yes']", "rows_d": 191, "rows_a": 9,
        "metrics": [{"name": "DI", "description": "Disparate Impact (DI)", "value": 0.929}],
        "confidence_intervals": {"DI": {"low": 0.691, "high": 1.602, "defined_resamples": 1000}},
        "groups": {"d": {"rows": 191, "positive_labels": 130, "positive_predictions": 150},
                   "a": {"rows": 9, "positive_labels": 6, "positive_predictions": 8}},
    }
    metric = {"value": 0.75, "standard_deviation": 0.04}
    page = render_report(
        evaluation={
            "binary_classification_metrics": {
                **dict.fromkeys(("auc", "accuracy", "f1", "precision", "recall"), metric),
                "confusion_matrix": {"0": {"0": 30, "1": 30}, "1": {"0": 10, "1": 130}},
            },
            "rows": 200,
        },
        bias_json={
            "pre_training_bias_metrics": {"dataset": "train split", "facets": {}},
            "post_training_bias_metrics": {"label_value_or_threshold": "good", "dataset": "test split",
                                           "facets": {"foreign_worker": [facet]}},
            "disparate_impact": {"foreign_worker": 0.929},
        },
        explainability={
            "explanations": {"tree_shap": {"label0": {"global_shap_values": {"foreign_worker": 0.1}}}},
            "method": "TreeSHAP", "output": "log-odds", "explained_rows": 200,
        },
        verdict={"gates": {"disparate_impact_band": [0.8, 1.25]}, "passed": True, "message": "All quality gates passed"},
        details=_details({}),
    )
    assert "<td>foreign_worker</td><td>foreign_worker in [&#x27;yes&#x27;]</td><td>191</td><td>9</td><td>DI</td><td>0.929</td><td>[0.691, 1.602]</td>" in page
    assert "<td>foreign_worker</td><td>a</td><td>9</td><td>6</td><td>8</td>" in page
