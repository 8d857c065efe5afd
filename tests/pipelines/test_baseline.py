"""The monitoring baseline in Model Monitor's statistics.json / constraints.json format."""

import numpy as np
import pandas as pd
import pytest

from pipelines_src.model_build.steps.baseline import constraints, feature_rules, kll_sketch, statistics

RULES = [
    {"name": "amount", "type": "integer"},
    {"name": "rate", "type": "float", "nullable": True},
    {"name": "housing", "type": "string", "allowed_values": ["own", "rent", "free"]},
]


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "amount": [10, 20, 30, 40, 100],
            "rate": [0.5, None, -1.0, 2.0, 0.25],
            "housing": ["rent", "own", "own", "rent", "own"],
        }
    )


def feature(document: dict, name: str) -> dict:
    return next(item for item in document["features"] if item["name"] == name)


def test_statistics_count_the_rows_and_type_each_feature(frame) -> None:
    document = statistics(frame, RULES)
    assert document["version"] == 0.0
    assert document["dataset"] == {"item_count": 5.0}
    assert [(item["name"], item["inferred_type"]) for item in document["features"]] == [
        ("amount", "Integral"), ("rate", "Fractional"), ("housing", "String")
    ]


def test_numerical_statistics_summarize_the_present_values(frame) -> None:
    numbers = feature(statistics(frame, RULES), "rate")["numerical_statistics"]
    present = np.array([0.5, -1.0, 2.0, 0.25])
    assert numbers["common"] == {"num_present": 4, "num_missing": 1}
    assert (numbers["mean"], numbers["sum"], numbers["min"], numbers["max"]) == pytest.approx(
        (present.mean(), present.sum(), -1.0, 2.0)
    )
    assert numbers["std_dev"] == pytest.approx(present.std())


def test_ten_contiguous_buckets_hold_every_value(frame) -> None:
    buckets = feature(statistics(frame, RULES), "amount")["numerical_statistics"]["distribution"]["kll"]["buckets"]
    assert len(buckets) == 10
    assert (buckets[0]["lower_bound"], buckets[-1]["upper_bound"]) == (10.0, 100.0)
    assert all(left["upper_bound"] == right["lower_bound"] for left, right in zip(buckets, buckets[1:]))
    assert sum(bucket["count"] for bucket in buckets) == 5
    assert buckets[-1]["count"] == 1


def test_the_sketch_holds_every_value_while_there_are_few(frame) -> None:
    kll = feature(statistics(frame, RULES), "amount")["numerical_statistics"]["distribution"]["kll"]
    assert kll["sketch"] == {"parameters": {"c": 0.64, "k": 2048.0}, "data": [[10.0, 20.0, 30.0, 40.0, 100.0]]}


def test_a_compacted_sketch_keeps_the_weight_and_the_median() -> None:
    values = np.random.default_rng(3).normal(size=20000)
    levels = kll_sketch(values, k=200)
    assert len(levels) > 1
    assert sum(len(level) * 2**height for height, level in enumerate(levels)) == len(values)
    weighted = sorted((value, 2**height) for height, level in enumerate(levels) for value in level)
    cumulative = np.cumsum([weight for _, weight in weighted])
    median = weighted[int(np.searchsorted(cumulative, len(values) / 2))][0]
    assert median == pytest.approx(np.median(values), abs=0.05)


def test_string_statistics_count_each_value(frame) -> None:
    strings = feature(statistics(frame, RULES), "housing")["string_statistics"]
    assert strings["distinct_count"] == 2.0
    assert strings["distribution"]["categorical"]["buckets"] == [{"value": "own", "count": 3.0}, {"value": "rent", "count": 2.0}]


def test_constraints_record_completeness_sign_and_domains(frame) -> None:
    document = constraints(frame, RULES, comparison_threshold=0.2)
    assert document["version"] == 0.0
    assert feature(document, "rate")["completeness"] == pytest.approx(0.8)
    assert feature(document, "amount")["num_constraints"] == {"is_non_negative": True}
    assert feature(document, "rate")["num_constraints"] == {"is_non_negative": False}
    assert feature(document, "housing")["string_constraints"] == {"domains": ["own", "rent"]}


def test_the_drift_threshold_is_the_configured_distance(frame) -> None:
    distribution = constraints(frame, RULES, comparison_threshold=0.2)["monitoring_config"]["distribution_constraints"]
    assert distribution["comparison_threshold"] == 0.2
    assert distribution["categorical_comparison_threshold"] == 0.2


def test_baseline_features_are_the_columns_the_endpoint_receives(settings) -> None:
    contract = settings["contract"]
    names = [rule["name"] for rule in feature_rules(contract)]
    excluded = {contract["label"], *(rule["name"] for rule in contract.get("pii", ()))}
    assert names == [rule["name"] for rule in contract["columns"] if rule["name"] not in excluded]
    assert {attribute["column"] for attribute in settings["sensitive_attributes"]} <= set(names)


def test_the_credit_baseline_leaves_out_its_label_and_pii(credit_settings) -> None:
    names = {rule["name"] for rule in feature_rules(credit_settings["contract"])}
    assert not names & {"creditability", "applicant_name", "iban", "email"}
    assert {"personal_status_and_sex", "age_in_years", "foreign_worker"} <= names


def test_numeric_features_get_decile_psi_bins_of_the_training_values_outside_the_feature_objects() -> None:
    frame = pd.DataFrame({"amount": np.arange(1, 101), "housing": ["own"] * 100})
    document = statistics(frame, [RULES[0], RULES[2]])

    bins = document["psi_quantile_bins"]
    assert list(bins) == ["amount"]
    # Edges at values the column holds: the 10th, 20th, ... smallest; each bin starts at its edge.
    assert bins["amount"]["edges"] == [1.0, *range(10, 101, 10)]
    assert bins["amount"]["counts"] == [9.0] + [10.0] * 8 + [11.0]
    # Model Monitor's per-feature objects keep exactly their documented keys.
    assert set(feature(document, "amount")) == {"name", "inferred_type", "numerical_statistics"}


def test_tied_quantiles_merge_into_one_edge_and_a_constant_column_has_no_bins() -> None:
    frame = pd.DataFrame({"amount": [1] * 50 + [2] * 30 + [4] * 20, "rate": [0.5] * 100})
    bins = statistics(frame, RULES[:2])["psi_quantile_bins"]

    assert bins == {"amount": {"edges": [1.0, 2.0, 4.0], "counts": [50.0, 50.0]}}
