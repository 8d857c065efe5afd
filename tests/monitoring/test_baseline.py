"""Reading Model Monitor's statistics.json / constraints.json: what the build pipeline writes, and named errors."""

import copy
import json
from pathlib import Path

import numpy as np
import pytest

from pipelines_src.monitoring.baseline import (
    BaselineError,
    CategoricalBaseline,
    NumericBaseline,
    load_baseline,
    parse_baseline,
)
from tests.monitoring.traffic import CreditTraffic


@pytest.fixture(scope="module")
def documents(credit: CreditTraffic) -> tuple:
    folder = credit.baseline_dir
    return json.loads((folder / "statistics.json").read_text()), json.loads((folder / "constraints.json").read_text())


def test_the_build_pipelines_baseline_reads_as_one_feature_per_model_input_column(credit: CreditTraffic) -> None:
    baseline = load_baseline(credit.baseline_dir)

    assert baseline.feature_names == list(credit.settings.features)
    assert isinstance(baseline.feature("credit_amount"), NumericBaseline)
    assert isinstance(baseline.feature("purpose"), CategoricalBaseline)


def test_numeric_buckets_become_edges_and_counts_of_every_training_row(credit: CreditTraffic) -> None:
    amount = load_baseline(credit.baseline_dir).feature("credit_amount")

    assert len(amount.edges) == len(amount.counts) + 1
    assert amount.edges[0] == credit.train["credit_amount"].min()
    assert amount.edges[-1] == credit.train["credit_amount"].max()
    assert amount.count == len(credit.train)


def test_the_kll_sketch_gives_every_training_value_with_its_weight(credit: CreditTraffic) -> None:
    amount = load_baseline(credit.baseline_dir).feature("credit_amount")

    assert np.array_equal(amount.sketch_values, np.sort(credit.train["credit_amount"].to_numpy(dtype=float)))
    assert set(amount.sketch_weights) == {1.0}


def test_compacted_sketch_levels_weigh_two_to_the_level(documents: tuple) -> None:
    statistics, constraints = copy.deepcopy(documents)
    kll = next(f for f in statistics["features"] if f["name"] == "credit_amount")["numerical_statistics"]["distribution"]["kll"]
    kll["sketch"]["data"] = [[5.0, 1.0], [3.0]]

    amount = parse_baseline(statistics, constraints).feature("credit_amount")

    assert amount.sketch_values.tolist() == [1.0, 3.0, 5.0]
    assert amount.sketch_weights.tolist() == [1.0, 2.0, 1.0]


def test_constraints_give_completeness_non_negativity_and_domains(credit: CreditTraffic) -> None:
    baseline = load_baseline(credit.baseline_dir)

    assert baseline.constraints["credit_amount"].is_non_negative is True
    assert baseline.constraints["credit_amount"].completeness == 1.0
    assert set(baseline.constraints["purpose"].domains) == set(credit.train["purpose"].unique())
    assert (baseline.datatype_check_threshold, baseline.domain_content_threshold) == (1.0, 1.0)


def _statistics_without(documents: tuple, feature: str, *path: str) -> dict:
    statistics = copy.deepcopy(documents[0])
    entry = next(f for f in statistics["features"] if f["name"] == feature)
    for key in path[:-1]:
        entry = entry[key]
    del entry[path[-1]]
    return statistics


@pytest.mark.parametrize(
    ("feature", "path", "message"),
    [
        ("credit_amount", ("numerical_statistics", "distribution"),
         "('credit_amount').numerical_statistics.distribution is missing"),
        ("purpose", ("string_statistics", "distribution", "categorical", "buckets"),
         "('purpose').string_statistics.distribution.categorical.buckets is missing"),
        ("credit_amount", ("numerical_statistics", "std_dev"), "('credit_amount').numerical_statistics.std_dev is missing"),
        ("purpose", ("inferred_type",), "('purpose').inferred_type is missing"),
    ],
)
def test_a_missing_field_is_an_error_naming_the_file_feature_and_field(documents: tuple, feature, path, message) -> None:
    with pytest.raises(BaselineError, match="statistics.json: ") as raised:
        parse_baseline(_statistics_without(documents, feature, *path), documents[1])

    assert message in str(raised.value)


def test_buckets_with_a_gap_are_an_error_naming_the_bucket(documents: tuple) -> None:
    statistics = copy.deepcopy(documents[0])
    amount = next(f for f in statistics["features"] if f["name"] == "credit_amount")
    amount["numerical_statistics"]["distribution"]["kll"]["buckets"][3]["lower_bound"] += 100

    with pytest.raises(BaselineError, match=r"kll.buckets\[3\].lower_bound .* does not continue"):
        parse_baseline(statistics, documents[1])


def test_an_unknown_inferred_type_is_an_error_naming_it(documents: tuple) -> None:
    statistics = copy.deepcopy(documents[0])
    statistics["features"][0]["inferred_type"] = "Boolean"

    with pytest.raises(BaselineError, match="inferred_type 'Boolean' is not one of"):
        parse_baseline(statistics, documents[1])


def test_a_missing_baseline_file_is_an_error_naming_it(tmp_path: Path, documents: tuple) -> None:
    (tmp_path / "statistics.json").write_text(json.dumps(documents[0]))

    with pytest.raises(BaselineError, match=f"constraints.json: not found in {tmp_path}"):
        load_baseline(tmp_path)


def test_numeric_features_carry_the_psi_quantile_bins_of_the_training_split(credit: CreditTraffic) -> None:
    amount = load_baseline(credit.baseline_dir).feature("credit_amount")
    training = credit.train["credit_amount"].to_numpy(dtype=float)

    assert amount.psi_edges == pytest.approx(np.unique(np.quantile(training, np.arange(11) / 10, method="inverted_cdf")))
    assert amount.psi_counts.sum() == len(training)


def test_a_baseline_without_psi_bins_still_reads(documents: tuple) -> None:
    statistics, constraints = copy.deepcopy(documents)
    del statistics["psi_quantile_bins"]

    assert parse_baseline(statistics, constraints).feature("credit_amount").psi_edges is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda bins: bins.update(purpose={"edges": [0, 1], "counts": [1]}), r"psi_quantile_bins names no numeric feature \['purpose'\]"),
        (lambda bins: bins["credit_amount"].update(edges=[3.0, 2.0, 5.0]), r"psi_quantile_bins.credit_amount.edges must be at least 2 strictly increasing"),
        (lambda bins: bins["credit_amount"].update(counts=[1.0]), r"psi_quantile_bins.credit_amount.counts must be \d+ non-negative counts"),
        (lambda bins: bins["credit_amount"].pop("edges"), r"psi_quantile_bins.credit_amount.edges is missing"),
    ],
    ids=["categorical feature", "edges out of order", "counts per bin", "no edges"],
)
def test_malformed_psi_bins_are_an_error_naming_the_field(documents: tuple, change, message: str) -> None:
    statistics, constraints = copy.deepcopy(documents)
    change(statistics["psi_quantile_bins"])

    with pytest.raises(BaselineError, match=f"^statistics.json: {message}"):
        parse_baseline(statistics, constraints)
