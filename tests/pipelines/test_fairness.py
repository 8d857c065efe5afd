"""Bias metrics per sensitive attribute, and SHAP attributions added up per raw column."""

import numpy as np
import pandas as pd
import pytest

from pipelines_src.build.steps.fairness import background_sample, bias_report, facet_description, shap_attributions
from pipelines_src.build.steps.features import FeatureEncoding
from pipelines_src.build.steps.train import train

SEX = {"column": "sex", "group_values": ["female"]}
AGE = {"column": "age", "threshold": 25}


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


def test_the_gate_reads_a_flat_disparate_impact_per_attribute(report) -> None:
    assert report["disparate_impact"] == {
        column: metric(report, "post_training_bias_metrics", column, "DI") for column in ("sex", "age")
    }


def test_facets_are_described_in_words() -> None:
    assert facet_description(SEX) == "sex in ['female']"


def test_the_background_sample_is_seeded_and_bounded() -> None:
    features = np.arange(1000).reshape(500, 2)
    sample = background_sample(features, rows=50)
    assert sample.shape == (50, 2)
    assert np.array_equal(sample, background_sample(features, rows=50))
    assert np.array_equal(background_sample(features[:10], rows=50), features[:10])


def test_attributions_point_at_the_column_that_decides() -> None:
    contract = {
        "label": "outcome",
        "positive_label": "good",
        "columns": [
            {"name": "colour", "type": "string", "allowed_values": ["red", "green", "blue"]},
            {"name": "noise", "type": "integer"},
            {"name": "outcome", "type": "string", "allowed_values": ["bad", "good"]},
        ],
    }
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"colour": rng.choice(["red", "green", "blue"], 300), "noise": rng.integers(0, 100, 300)})
    encoding = FeatureEncoding.from_contract(contract)
    features, labels = encoding.features(frame), (frame["colour"] == "red").to_numpy(dtype="int64")
    booster = train({"objective": "binary:logistic", "max_depth": 2, "num_round": 10}, (labels, features), (labels, features))
    explained = shap_attributions(booster, background_sample(features, rows=30), features[:60], encoding)
    per_column = explained["explanations"]["tree_shap"]["label0"]["global_shap_values"]
    assert per_column["colour"] > 10 * per_column["noise"]
    assert set(explained["feature_attributions"]) == set(encoding.feature_names)
    assert (explained["background_rows"], explained["explained_rows"]) == (30, 60)
