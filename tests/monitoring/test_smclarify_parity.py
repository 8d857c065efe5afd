"""``pipelines_src.metrics.bias`` gives AWS's ``smclarify`` values (to 1e-9) on the bundled German
credit data, for every facet of the default config and every metric both compute. The reference
values, and the predictions they rest on, are ``tests/fixtures/smclarify_german_credit.json``,
written by ``tests/fixtures/make_smclarify_fixture.py`` (how it was run is in its docstring)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines_src.metrics import bias
from pipelines_src.model_build.steps.fairness import POST_TRAINING, PRE_TRAINING
from tests.models_under_test import credit_risk

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = json.loads((ROOT / "tests" / "fixtures" / "smclarify_german_credit.json").read_text())


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    frame = pd.read_csv(ROOT / FIXTURE["data"].split(",")[0])
    labels = (frame[FIXTURE["label"]] == FIXTURE["positive_label"]).to_numpy()
    return frame, labels, np.array(FIXTURE["predicted_good"], dtype=bool)


def ours(frame: pd.DataFrame, labels: np.ndarray, predicted: np.ndarray, attribute: dict) -> dict[str, float]:
    facet_d = bias.facet_mask(frame, attribute)
    values = {name: metric(labels, facet_d) for name, _, metric in PRE_TRAINING}
    values |= {name: metric(labels, predicted, facet_d) for name, _, metric in POST_TRAINING}
    values["GE"] = bias.generalized_entropy(labels, predicted)
    return values


@pytest.mark.parametrize("facet", sorted(FIXTURE["facets"]))
def test_every_metric_both_compute_equals_smclarifys(data, facet: str) -> None:
    reference = FIXTURE["facets"][facet]
    values = ours(*data, reference["attribute"])
    expected = {**reference["pre_training"], **reference["post_training"]}
    compared = {name: value for name, value in expected.items() if value is not None}

    assert {name: values[name] for name in compared} == pytest.approx(compared, rel=0, abs=1e-9)


def test_the_fixture_covers_every_metric_we_report_and_every_attribute_of_the_default_config() -> None:
    reported = {name for name, _, _ in PRE_TRAINING} | {name for name, _, _ in POST_TRAINING} | {"GE"}
    for facet in FIXTURE["facets"].values():
        assert set(facet["pre_training"]) | set(facet["post_training"]) == reported
    columns = {facet["attribute"]["column"] for facet in FIXTURE["facets"].values()}
    assert columns == {attribute.column for attribute in credit_risk().sensitive_attributes}


def test_the_default_configs_facets_are_among_those_compared() -> None:
    compared = [facet["attribute"] for facet in FIXTURE["facets"].values()]
    for attribute in credit_risk().sensitive_attributes:
        assert {key: value for key, value in attribute.model_dump(mode="json").items() if value is not None} in compared
