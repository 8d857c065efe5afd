"""The local search a tuned model's Tune step runs: SageMaker's ranges and scalings, seeded, judged
on the validation split by the built-in algorithm's AUC."""

import numpy as np
import pytest
import xgboost as xgb

from pipelines_src.model_build.steps.tune import draw, tune, validation_auc
from tests.pipelines.test_train_and_evaluate import separable

STATIC = {"objective": "binary:logistic", "num_round": 10, "eval_metric": "auc"}
TUNING = {
    "enabled": True,
    "strategy": "Bayesian",
    "objective_metric": "validation:auc",
    "objective_type": "Maximize",
    "max_jobs": 5,
    "max_parallel_jobs": 2,
    "early_stopping_type": "Auto",
    "parameter_ranges": {
        "eta": {"type": "continuous", "min_value": 0.05, "max_value": 0.5, "scaling": "Logarithmic"},
        "max_depth": {"type": "integer", "min_value": 1, "max_value": 3, "scaling": "Linear"},
    },
}


def noisy(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A problem the trials do not all solve equally well."""
    labels, features = separable(rows, seed)
    flipped = np.random.default_rng(seed + 100).random(rows) < 0.25
    return np.where(flipped, 1 - labels, labels), features


def draws(bounds: dict, count: int = 4000) -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.array([draw({"x": bounds}, rng)["x"] for _ in range(count)])


@pytest.mark.parametrize(
    "scaling, median",
    [("Linear", 0.505), ("Auto", 0.505), ("Logarithmic", 0.1), ("ReverseLogarithmic", 0.9)],
)
def test_each_scaling_draws_within_the_range_around_its_own_centre(scaling, median) -> None:
    values = draws({"type": "continuous", "min_value": 0.01, "max_value": 0.99 if scaling == "ReverseLogarithmic" else 1.0,
                    "scaling": scaling})
    assert values.min() >= 0.01 and values.max() <= 1.0
    assert np.median(values) == pytest.approx(median, abs=0.04)


def test_an_integer_range_draws_every_whole_value_alike_including_its_bounds() -> None:
    values = draws({"type": "integer", "min_value": 2, "max_value": 5, "scaling": "Linear"})
    counts = {value: int((values == value).sum()) for value in np.unique(values)}
    assert set(counts) == {2, 3, 4, 5} and all(isinstance(value, int) for value in values.tolist())
    assert max(counts.values()) - min(counts.values()) < 0.1 * len(values) / 4


def test_the_objective_is_the_validation_auc_the_algorithm_reports() -> None:
    labels, features = noisy(200, 1)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 2, "eval_metric": "auc"}, xgb.DMatrix(features, label=labels), 5)
    validation = noisy(100, 2)
    reported = booster.eval(xgb.DMatrix(validation[1], label=validation[0]), "validation")
    assert validation_auc(booster, validation) == pytest.approx(float(reported.split("validation-auc:")[1]), abs=1e-6)


def test_the_search_runs_the_budget_and_keeps_the_best_trial_with_the_static_hyperparameters() -> None:
    booster, report = tune(STATIC, TUNING, noisy(300, 1), noisy(150, 2), seed=7)
    objectives = [trial["objective"] for trial in report["trials"]]
    assert len(objectives) == TUNING["max_jobs"] and len(set(objectives)) > 1
    assert report["best"]["objective"] == max(objectives)
    assert report["effective_hyperparameters"] == {**STATIC, **report["best"]["hyperparameters"]}
    assert validation_auc(booster, noisy(150, 2)) == report["best"]["objective"]


def test_the_same_seed_searches_the_same_points_and_another_seed_others() -> None:
    points = [
        [trial["hyperparameters"] for trial in tune(STATIC, TUNING, noisy(300, 1), noisy(150, 2), seed=seed)[1]["trials"]]
        for seed in (7, 7, 8)
    ]
    assert points[0] == points[1] != points[2]


@pytest.mark.parametrize(
    "static, tuning",
    [({**STATIC, "eval_metric": "logloss"}, TUNING), (STATIC, {**TUNING, "objective_metric": "validation:logloss"})],
    ids=["auc not reported", "another objective"],
)
def test_a_search_it_cannot_judge_as_the_cloud_does_is_refused(static, tuning) -> None:
    with pytest.raises(ValueError, match="auc"):
        tune(static, tuning, noisy(300, 1), noisy(150, 2), seed=7)
