"""The build gate and the monitors judge fairness the same way: a version the gate registers does
not trip the monitor's fairness check on the data it was gated on."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines_src.model_build.steps.evaluate import THRESHOLD
from pipelines_src.model_build.steps.features import ENCODING_FILE, FeatureEncoding
from pipelines_src.model_build.steps.files import read_json, read_table
from pipelines_src.model_build.steps.gate import Gates, gate_failures
from pipelines_src.model_build.steps.model_artifact import load_booster, predict_scores
from pipelines_src.metrics import bias
from pipelines_src.monitoring.fairness import JUDGED, fairness
from pipelines_src.monitoring.settings import JobSettings, settings_for_model
from platform_config.models import ModelConfig
from tests.models_under_test import LocalBuilds, credit_risk

AGE = {"column": "age", "threshold": 25, "facet": "at_or_below"}


def test_the_approved_credit_models_test_split_passes_the_monitors_fairness_check(local_builds: LocalBuilds) -> None:
    local_run = local_builds.credit_risk()
    model = credit_risk()
    out = Path(local_run.out)
    test = read_table(out / "preprocess" / "splits" / "test.csv")
    encoding = FeatureEncoding.from_json(read_json(out / "preprocess" / "metadata" / ENCODING_FILE))
    # The endpoint answers P(positive) for each raw record; the capture keeps the record's sensitive attributes.
    probabilities = predict_scores(load_booster(out / "model"), encoding.features(test))

    results = fairness(test, probabilities, settings_for_model(model))

    assert local_run.passed, local_run.message
    # foreign_worker's facet a has 9 test rows, too few to judge; the other two were judged, and
    # personal_status_and_sex (|DPPL| 0.12) is the one the monitor used to flag on its first run.
    assert {result.attribute for result in results if result.status == JUDGED} == {
        "personal_status_and_sex", "age_in_years"
    }
    assert {result.attribute: result.flags for result in results} == {
        attribute.column: () for attribute in model.sensitive_attributes
    }


def test_each_registered_models_test_split_passes_the_monitors_fairness_check(local_run, model: ModelConfig) -> None:
    out = Path(local_run.out)
    test = read_table(out / "preprocess" / "splits" / "test.csv")
    encoding = FeatureEncoding.from_json(read_json(out / "preprocess" / "metadata" / ENCODING_FILE))
    probabilities = predict_scores(load_booster(out / "model"), encoding.features(test))

    results = fairness(test, probabilities, settings_for_model(model))

    assert local_run.passed, local_run.message
    assert [(result.attribute, result.flags) for result in results] == [
        (attribute.column, ()) for attribute in model.sensitive_attributes
    ]


def test_the_monitor_thresholds_predictions_as_the_gate_does(model: ModelConfig) -> None:
    assert settings_for_model(model).prediction_threshold == THRESHOLD


@pytest.mark.parametrize("seed", range(5))
def test_the_gate_passes_exactly_the_predictions_the_monitor_does_not_flag(seed: int, settings: dict) -> None:
    gates = Gates.from_settings(settings["gates"])
    job_settings = JobSettings(sensitive_attributes=(AGE,), disparate_impact_band=tuple(settings["gates"]
                               ["disparate_impact_band"]), max_abs_dppl=settings["gates"]["max_abs_dppl"])
    generator = np.random.default_rng(seed)
    for _ in range(40):
        rates = generator.uniform(0.3, 0.95, 2)
        frame = pd.DataFrame({"age": [20.0] * 200 + [40.0] * 200})
        predictions = np.concatenate([generator.random(200) < rate for rate in rates]).astype(float)
        predicted = predictions >= THRESHOLD
        facet_d = bias.facet_mask(frame, AGE)

        failures = gate_failures(0.9, {"age": bias.disparate_impact(predicted, facet_d)}, gates,
                                 {"age": bias.difference_in_positive_proportions_in_predictions(predicted, facet_d)})
        [monitored] = fairness(frame, predictions, job_settings)

        assert bool(failures) == bool(monitored.flags), (failures, monitored)
