"""Training with the built-in algorithm's hyperparameters, and the evaluation report."""

import numpy as np
import pytest

from pipelines_src.model_build.steps.evaluate import evaluation_report
from pipelines_src.model_build.steps.model_artifact import ARCHIVE, load_booster, pack, predict_scores, save_booster
from pipelines_src.model_build.steps.train import TrainingPlan, train, training_plan

HYPERPARAMETERS = {"objective": "binary:logistic", "max_depth": 2, "eta": 0.3, "num_round": 20, "eval_metric": "auc"}


def separable(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(rows, 3))
    return (features[:, 0] > 0).astype("int64"), features


@pytest.fixture(scope="module")
def booster():
    return train(HYPERPARAMETERS, separable(200, 1), separable(50, 2))


def test_num_round_is_the_number_of_boosting_rounds() -> None:
    plan = training_plan(HYPERPARAMETERS)
    assert plan.num_round == 20 and "num_round" not in plan.params and plan.params["max_depth"] == 2


def test_hyperparameters_without_num_round_are_refused() -> None:
    with pytest.raises(ValueError, match="needs num_round"):
        training_plan({"max_depth": 2})


def test_the_training_job_strings_mean_the_same_as_typed_values() -> None:
    typed = {**HYPERPARAMETERS, "early_stopping_rounds": 5, "subsample": 0.8}
    assert training_plan({name: str(value) for name, value in typed.items()}) == training_plan(typed)


def test_early_stopping_watches_the_last_eval_metric_on_the_validation_set() -> None:
    plan = training_plan({**HYPERPARAMETERS, "eval_metric": "logloss,auc", "early_stopping_rounds": 5})
    assert plan == TrainingPlan(
        params={"objective": "binary:logistic", "max_depth": 2, "eta": 0.3, "eval_metric": ["logloss", "auc"]},
        num_round=20,
        early_stopping_rounds=5,
        early_stopping_metric="auc",
        maximize=True,
    )
    assert training_plan({**HYPERPARAMETERS, "eval_metric": "auc,logloss", "early_stopping_rounds": 5}).maximize is False


@pytest.mark.parametrize(
    "hyperparameters, has_validation",
    [({**HYPERPARAMETERS, "early_stopping_rounds": 5}, False), ({"num_round": 20, "early_stopping_rounds": 5}, True)],
    ids=["no validation set", "no eval_metric"],
)
def test_early_stopping_is_off_where_the_built_in_algorithm_ignores_it(hyperparameters, has_validation) -> None:
    assert training_plan(hyperparameters, has_validation=has_validation).early_stopping_rounds is None


def test_early_stopping_keeps_the_trees_up_to_the_best_validation_round() -> None:
    noisy = {"objective": "binary:logistic", "max_depth": 6, "eta": 0.5, "num_round": 200, "eval_metric": "logloss"}
    labels, features = separable(200, 5)
    flipped = np.random.default_rng(6).random(200) < 0.3
    booster = train({**noisy, "early_stopping_rounds": 3}, (np.where(flipped, 1 - labels, labels), features), separable(100, 7))
    assert booster.num_boosted_rounds() == int(booster.attr("best_iteration")) + 1 < 200
    assert train(noisy, (np.where(flipped, 1 - labels, labels), features), separable(100, 7)).num_boosted_rounds() == 200


def test_a_model_learns_a_separable_problem(booster) -> None:
    labels, features = separable(100, 3)
    assert evaluation_report(labels, predict_scores(booster, features))["binary_classification_metrics"]["auc"]["value"] > 0.95


def test_a_packed_model_loads_with_the_same_predictions(booster, tmp_path) -> None:
    archive = pack(save_booster(booster, tmp_path / "trained"), tmp_path / "packed" / ARCHIVE)
    _, features = separable(10, 4)
    assert np.allclose(predict_scores(load_booster(archive.parent), features), predict_scores(booster, features))


def test_packing_twice_gives_the_same_bytes(booster, tmp_path) -> None:
    model_file = save_booster(booster, tmp_path / "trained")
    assert pack(model_file, tmp_path / "a" / ARCHIVE).read_bytes() == pack(model_file, tmp_path / "b" / ARCHIVE).read_bytes()


def test_a_folder_without_a_model_is_an_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="no model.tar.gz or xgboost-model"):
        load_booster(tmp_path)


def test_the_confusion_matrix_is_actual_by_predicted() -> None:
    labels = np.array([1, 1, 1, 0, 0])
    scores = np.array([0.9, 0.8, 0.2, 0.6, 0.1])
    matrix = evaluation_report(labels, scores)["binary_classification_metrics"]["confusion_matrix"]
    assert matrix == {"0": {"0": 1, "1": 1}, "1": {"0": 1, "1": 2}}


def test_metrics_have_a_value_and_a_standard_deviation() -> None:
    labels = np.array([1, 0] * 20)
    scores = np.linspace(0.9, 0.1, 40)
    metrics = evaluation_report(labels, scores)["binary_classification_metrics"]
    assert metrics["accuracy"]["value"] == pytest.approx(0.5)
    assert {name: set(metrics[name]) for name in ("auc", "accuracy", "f1", "precision", "recall")} == {
        name: {"value", "standard_deviation"} for name in ("auc", "accuracy", "f1", "precision", "recall")
    }
    assert metrics["auc"]["standard_deviation"] > 0


def test_one_class_in_the_test_split_is_refused() -> None:
    with pytest.raises(ValueError, match="one class only"):
        evaluation_report(np.array([1, 1]), np.array([0.2, 0.9]))
