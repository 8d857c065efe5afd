"""Bias metrics per sensitive attribute, and SHAP attributions added up per raw column."""

import re

import numpy as np
import pandas as pd
import pytest

from pipelines_src.model_build.steps.fairness import bias_report, facet_description, shap_attributions
from pipelines_src.model_build.steps.features import FeatureEncoding
from pipelines_src.model_build.steps.train import train

SEX = {"column": "sex", "group_values": ["female"]}
AGE = {"column": "age", "threshold": 25, "facet": "at_or_below"}


def metric(report: dict, section: str, column: str, name: str) -> float:
    facet = report[section]["facets"][column][0]
    return next(item["value"] for item in facet["metrics"] if item["name"] == name)


@pytest.fixture
def report() -> dict:
    # Test split: 4 women (1 predicted positive), 6 men (3 predicted positive).
    test = pd.DataFrame({"sex": ["female"] * 4 + ["male"] * 6, "age": [20, 30, 40, 50, 22, 24, 60, 61, 62, 63]})
    labels = np.array([1, 1, 0, 0, 1, 1, 1, 0, 0, 0])
    predicted = np.array([True, False, False, False, True, True, False, True, False, False])
    # Train split: 2 women (1 good), 8 men (6 good).
    train_frame = pd.DataFrame({"sex": ["female"] * 2 + ["male"] * 8, "age": [30] * 10})
    train_labels = np.array([1, 0, 1, 1, 1, 1, 1, 1, 0, 0])
    return bias_report([SEX, AGE], train=train_frame, train_labels=train_labels, test=test, test_labels=labels,
                       test_predicted=predicted, label="outcome", positive_label="good")


def test_pre_training_metrics_describe_the_training_labels(report) -> None:
    assert metric(report, "pre_training_bias_metrics", "sex", "CI") == pytest.approx((8 - 2) / 10)
    assert metric(report, "pre_training_bias_metrics", "sex", "DPL") == pytest.approx(6 / 8 - 1 / 2)


def test_post_training_metrics_describe_the_predictions(report) -> None:
    assert metric(report, "post_training_bias_metrics", "sex", "DI") == pytest.approx((1 / 4) / (3 / 6))
    assert metric(report, "post_training_bias_metrics", "sex", "DPPL") == pytest.approx(3 / 6 - 1 / 4)
    # Recall of men: 2 of 3 positives found; of women: 1 of 2.
    assert metric(report, "post_training_bias_metrics", "sex", "RD") == pytest.approx(2 / 3 - 1 / 2)


def test_a_numeric_attribute_groups_values_up_to_its_threshold(report) -> None:
    facet = report["post_training_bias_metrics"]["facets"]["age"][0]
    assert (facet["rows_d"], facet["rows_a"]) == (3, 7)
    assert facet["facet_d"] == "age <= 25"


def test_a_numeric_attribute_can_name_the_values_above_its_threshold_as_clarify_does() -> None:
    above = {"column": "age", "threshold": 25, "facet": "above"}
    test = pd.DataFrame({"age": [20, 30, 40, 50]})
    report = bias_report([above], train=test, train_labels=np.array([1, 0, 1, 0]), test=test,
                         test_labels=np.array([1, 0, 1, 0]), test_predicted=np.array([True, True, False, False]),
                         label="outcome", positive_label="good")
    facet = report["post_training_bias_metrics"]["facets"]["age"][0]
    assert (facet["facet_d"], facet["value_or_threshold"]) == ("age > 25", ">25")
    assert (facet["rows_d"], facet["rows_a"]) == (3, 1)
    # d (30, 40, 50) gets 1 of 3 positive predictions, a (20) 1 of 1.
    assert metric(report, "post_training_bias_metrics", "age", "DI") == pytest.approx(1 / 3)


def test_each_facet_reports_its_group_counts(report) -> None:
    sex = report["post_training_bias_metrics"]["facets"]["sex"][0]["groups"]
    assert sex == {"d": {"rows": 4, "positive_labels": 2, "positive_predictions": 1},
                   "a": {"rows": 6, "positive_labels": 3, "positive_predictions": 3}}
    assert report["pre_training_bias_metrics"]["facets"]["sex"][0]["groups"] == {
        "d": {"rows": 2, "positive_labels": 1}, "a": {"rows": 8, "positive_labels": 6}}
    assert report["group_rows"]["sex"] == {"d": 4, "a": 6, "facet_d": "sex in ['female']"}
    assert report["smallest_group"] == {"sex": 4, "age": 3}


def test_every_metric_clarify_computes_from_labels_and_predictions_is_reported(report) -> None:
    names = lambda section: [item["name"] for item in report[section]["facets"]["sex"][0]["metrics"]]
    assert names("pre_training_bias_metrics") == ["CI", "DPL", "KL", "JS", "LP", "TVD", "KS"]
    assert names("post_training_bias_metrics") == ["DI", "DPPL", "RD", "SD", "DCA", "DCR", "DAR", "DRR", "AD", "TE"]
    assert report["post_training_bias_metrics"]["generalized_entropy"] >= 0


def test_di_and_dppl_carry_seeded_bootstrap_intervals_around_the_estimate(report) -> None:
    interval = report["confidence_intervals"]["sex"]
    assert report["post_training_bias_metrics"]["facets"]["sex"][0]["confidence_intervals"] == interval
    assert interval["DPPL"]["low"] <= report["dppl"]["sex"] <= interval["DPPL"]["high"]
    assert interval["DPPL"]["defined_resamples"] == 1000
    # A resample approving none of the 6 men (probability 0.5^6) leaves DI undefined: it is counted out.
    assert 950 < interval["DI"]["defined_resamples"] < 1000
    assert report["post_training_bias_metrics"]["bootstrap"] == {"resamples": 1000, "confidence": 0.95, "seed": 0}


def test_the_gate_reads_a_flat_disparate_impact_per_attribute(report) -> None:
    assert report["disparate_impact"] == {
        column: metric(report, "post_training_bias_metrics", column, "DI") for column in ("sex", "age")
    }


def test_without_attributes_the_report_carries_the_reason_fairness_does_not_apply() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    report = bias_report([], train=frame, train_labels=np.array([1, 0]), test=frame, test_labels=np.array([1, 0]),
                         test_predicted=np.array([True, False]), label="outcome", positive_label="good",
                         fairness_not_applicable="no attribute of a person")
    assert report["fairness_not_applicable"] == "no attribute of a person"
    assert report["post_training_bias_metrics"]["facets"] == {} and report["disparate_impact"] == {}


def test_neither_attributes_nor_a_reason_is_refused_rather_than_passing_fairness_vacuously() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    with pytest.raises(ValueError, match="no sensitive_attributes and no fairness_not_applicable"):
        bias_report([], train=frame, train_labels=np.array([1, 0]), test=frame, test_labels=np.array([1, 0]),
                    test_predicted=np.array([True, False]), label="outcome", positive_label="good")


def test_facets_are_described_in_words() -> None:
    assert facet_description(SEX) == "sex in ['female']"


CONTRACT = {
    "label": "outcome",
    "positive_label": "good",
    "columns": [
        {"name": "colour", "type": "string", "allowed_values": ["red", "green", "blue"]},
        {"name": "noise", "type": "integer"},
        {"name": "outcome", "type": "string", "allowed_values": ["bad", "good"]},
    ],
}


@pytest.fixture(scope="module")
def colour_model():
    """A model whose label is "colour is red", and the features it was trained on."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"colour": rng.choice(["red", "green", "blue"], 300), "noise": rng.integers(0, 100, 300)})
    encoding = FeatureEncoding.from_contract(CONTRACT)
    features, labels = encoding.features(frame), (frame["colour"] == "red").to_numpy(dtype="int64")
    booster = train({"objective": "binary:logistic", "max_depth": 2, "num_round": 10}, (labels, features), (labels, features))
    return booster, features, encoding


def test_attributions_point_at_the_column_that_decides(colour_model) -> None:
    booster, features, encoding = colour_model
    explained = shap_attributions(booster, features[:60], encoding)
    per_column = explained["explanations"]["tree_shap"]["label0"]["global_shap_values"]
    assert per_column["colour"] > 10 * per_column["noise"]
    assert set(explained["feature_attributions"]) == set(encoding.feature_names)
    assert explained["explained_rows"] == 60


def test_attributions_are_the_values_shap_computes() -> None:
    import shap  # The reference implementation; imported here, where its import-time notices are filtered.

    # Colour and noise interact (the label is their exclusive or), so a shortcut such as
    # Saabas' path attribution (pred_contribs with approx_contribs) would differ.
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"colour": rng.choice(["red", "green", "blue"], 400), "noise": rng.integers(0, 100, 400)})
    encoding = FeatureEncoding.from_contract(CONTRACT)
    features = encoding.features(frame)
    labels = ((frame["colour"] == "red") != (frame["noise"] > 50)).to_numpy(dtype="int64")
    booster = train({"objective": "binary:logistic", "max_depth": 3, "num_round": 20}, (labels, features), (labels, features))
    explained = shap_attributions(booster, features[:60], encoding)
    explainer = shap.TreeExplainer(booster, feature_perturbation="tree_path_dependent")
    values = np.asarray(explainer.shap_values(features[:60]))
    assert list(explained["feature_attributions"].values()) == pytest.approx(np.abs(values).mean(axis=0).tolist(), abs=1e-5)
    expected = float(np.ravel(explainer.expected_value)[0])
    assert explained["explanations"]["tree_shap"]["label0"]["expected_value"] == pytest.approx(expected, abs=1e-5)


def test_the_step_imports_no_package_the_image_lacks() -> None:
    from pipelines_src.model_build import code_bundle

    shipped = "\n".join(path.read_text() for path in code_bundle.shipped_files() if path.suffix == ".py")
    assert not re.search(r"^\s*(import|from)\s+shap\b", shipped, re.MULTILINE)
