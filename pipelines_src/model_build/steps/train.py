"""Train step (local runs and script mode): XGBoost with the built-in algorithm's hyperparameters.

In the pipeline, SageMaker's built-in XGBoost algorithm trains from the ``train`` and
``validation`` channels with ``training.hyperparameters`` (as strings); this module does the
same with the ``xgboost`` package so a local run trains the same model. ``training_plan``
reads the hyperparameters as the algorithm does, from strings or typed values alike:

- ``num_round`` is the number of boosting rounds; every other hyperparameter goes to
  XGBoost (numbers as numbers, ``eval_metric`` as its comma-separated list);
- ``early_stopping_rounds`` stops training once the **last** ``eval_metric`` on the
  validation set has not improved for that many rounds (larger is better for the metrics
  the algorithm maximizes, such as ``auc``), and the model keeps the trees up to its best
  round. As in the algorithm, it has no effect without ``eval_metric`` or a validation set.

Both sets are evaluated every round (train first, validation last), as the algorithm does.

Training uses one thread unless told otherwise: the bundled data trains in a tenth of a
second on one core, while OpenMP's spinning threads take seconds on a busy shared
machine. The trees are the same for any thread count.
"""

import argparse
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xgboost as xgb

from pipelines_src.model_build.steps import container_paths as paths
from pipelines_src.model_build.steps.entrypoint import run
from pipelines_src.model_build.steps.features import read_training_csv
from pipelines_src.model_build.steps.files import csv_files, read_json
from pipelines_src.model_build.steps.model_artifact import save_booster

# The built-in algorithm's metrics where larger is better (sagemaker-xgboost-container's
# XGB_MAXIMIZE_METRICS); early stopping on any other metric minimizes it.
MAXIMIZED_METRICS = frozenset(
    {
        "accuracy", "auc", "aucpr", "balanced_accuracy", "f1", "f1_binary", "f1_macro", "map", "ndcg", "precision",
        "precision_macro", "precision_micro", "r2", "recall", "recall_macro", "recall_micro",
    }
)
VALIDATION = "validation"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainingPlan:
    """What training does with a set of hyperparameters: XGBoost's params, the rounds, and
    early stopping (``None`` when it is off)."""

    params: dict[str, Any]
    num_round: int
    early_stopping_rounds: int | None = None
    early_stopping_metric: str | None = None
    maximize: bool = False


def _typed(value: Any) -> Any:
    """A hyperparameter as the algorithm reads it: the job passes every value as a string."""
    if not isinstance(value, str):
        return value
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def training_plan(hyperparameters: Mapping[str, Any], *, has_validation: bool = True) -> TrainingPlan:
    """The effective training of ``hyperparameters`` (the built-in algorithm's names and semantics)."""
    if "num_round" not in hyperparameters:
        raise ValueError("training.hyperparameters needs num_round (the built-in XGBoost algorithm requires it)")
    params = {name: _typed(value) for name, value in hyperparameters.items()}
    num_round = int(params.pop("num_round"))
    early_stopping_rounds = params.pop("early_stopping_rounds", None)
    if "eval_metric" in params:
        params["eval_metric"] = [metric.strip() for metric in str(params["eval_metric"]).split(",")]
    metrics = params.get("eval_metric", [])
    if not (early_stopping_rounds and metrics and has_validation):
        return TrainingPlan(params, num_round)
    metric = metrics[-1]
    return TrainingPlan(params, num_round, int(early_stopping_rounds), metric, metric in MAXIMIZED_METRICS)


def train(
    hyperparameters: Mapping[str, Any],
    train_set: tuple[np.ndarray, np.ndarray],
    validation_set: tuple[np.ndarray, np.ndarray],
    *,
    threads: int = 1,
) -> xgb.Booster:
    """A Booster trained on ``train_set`` ((labels, features)), evaluated (and early-stopped) on
    ``validation_set``."""
    plan = training_plan(hyperparameters)
    params = {**plan.params, "nthread": threads}
    train_labels, train_features = train_set
    validation_labels, validation_features = validation_set
    dtrain = xgb.DMatrix(train_features, label=train_labels)
    dvalidation = xgb.DMatrix(validation_features, label=validation_labels)
    callbacks = []
    if plan.early_stopping_rounds:
        callbacks.append(
            xgb.callback.EarlyStopping(
                rounds=plan.early_stopping_rounds,
                data_name=VALIDATION,
                metric_name=plan.early_stopping_metric,
                maximize=plan.maximize,
                save_best=True,
            )
        )
    history: dict[str, Any] = {}
    booster = xgb.train(
        params,
        dtrain,
        num_boost_round=plan.num_round,
        evals=[(dtrain, "train"), (dvalidation, VALIDATION)],
        evals_result=history,
        callbacks=callbacks,
        verbose_eval=False,
    )
    rounds = booster.num_boosted_rounds()
    if plan.early_stopping_rounds:
        logger.info(
            "early stopping on validation %s kept %d of at most %d rounds", plan.early_stopping_metric, rounds, plan.num_round
        )
    for metric, values in history.get(VALIDATION, {}).items():
        logger.info("validation %s of the kept model (%d rounds): %.4f", metric, rounds, values[rounds - 1])
    return booster


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default=paths.SETTINGS)
    parser.add_argument("--train-dir", default=paths.TRAIN_CHANNEL)
    parser.add_argument("--validation-dir", default=paths.VALIDATION_CHANNEL)
    parser.add_argument("--model-dir", default=paths.MODEL_OUTPUT)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    settings = read_json(args.settings)
    booster = train(
        settings["training"]["hyperparameters"],
        read_training_csv(csv_files(args.train_dir)[0]),
        read_training_csv(csv_files(args.validation_dir)[0]),
        threads=args.threads,
    )
    logger.info("saved %s", save_booster(booster, Path(args.model_dir)))


if __name__ == "__main__":
    run(main)
