"""Training with the built-in algorithm's hyperparameters, and the evaluation report."""

import numpy as np
import pytest

from pipelines_src.model_build.steps.evaluate import evaluation_report
from pipelines_src.model_build.steps.model_artifact import ARCHIVE, load_booster, pack, predict_scores, save_booster
from pipelines_src.model_build.steps.train import booster_params, train

HYPERPARAMETERS = {"objective": "binary:logistic", "max_depth": 2, "eta": 0.3, "num_round": 20, "eval_metric": "auc"}


def separable(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(rows, 3))
    return (features[:, 0] > 0).astype("int64"), features


@pytest.fixture(scope="module")
def booster():
    return train(HYPERPARAMETERS, separable(200, 1), separable(50, 2))


def test_num_round_is_the_number_of_boosting_rounds() -> None:
    params, rounds = booster_params(HYPERPARAMETERS)
    assert rounds == 20 and "num_round" not in params and params["max_depth"] == 2


def test_hyperparameters_without_num_round_are_refused() -> None:
    with pytest.raises(ValueError, match="needs num_round"):
        booster_params({"max_depth": 2})


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
