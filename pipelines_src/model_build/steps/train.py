"""Train step (local runs and script mode): XGBoost with the built-in algorithm's hyperparameters.

In the pipeline, SageMaker's built-in XGBoost algorithm trains from the ``train`` and
``validation`` channels with ``training.hyperparameters``; this module does the same
with the ``xgboost`` package so a local run trains the same model: ``num_round`` is the
number of boosting rounds, every other hyperparameter goes to XGBoost as is, and the
validation set is the evaluation set (its ``eval_metric`` is logged per round).

Training uses one thread unless told otherwise: the bundled data trains in a tenth of a
second on one core, while OpenMP's spinning threads take seconds on a busy shared
machine. The trees are the same for any thread count.
"""

import argparse
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xgboost as xgb

from pipelines_src.model_build.steps import container_paths as paths
from pipelines_src.model_build.steps.entrypoint import run
from pipelines_src.model_build.steps.features import read_training_csv
from pipelines_src.model_build.steps.files import csv_files, read_json
from pipelines_src.model_build.steps.model_artifact import save_booster

logger = logging.getLogger(__name__)


def booster_params(hyperparameters: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """(XGBoost params, boosting rounds) from the built-in algorithm's hyperparameters."""
    if "num_round" not in hyperparameters:
        raise ValueError("training.hyperparameters needs num_round (the built-in XGBoost algorithm requires it)")
    params = {name: value for name, value in hyperparameters.items() if name != "num_round"}
    return params, int(hyperparameters["num_round"])


def train(
    hyperparameters: Mapping[str, Any],
    train_set: tuple[np.ndarray, np.ndarray],
    validation_set: tuple[np.ndarray, np.ndarray],
    *,
    threads: int = 1,
) -> xgb.Booster:
    """A Booster trained on ``train_set`` ((labels, features)), evaluated on ``validation_set``."""
    params, rounds = booster_params(hyperparameters)
    params["nthread"] = threads
    train_labels, train_features = train_set
    validation_labels, validation_features = validation_set
    dtrain = xgb.DMatrix(train_features, label=train_labels)
    dvalidation = xgb.DMatrix(validation_features, label=validation_labels)
    history: dict[str, Any] = {}
    booster = xgb.train(
        params, dtrain, num_boost_round=rounds, evals=[(dvalidation, "validation")], evals_result=history, verbose_eval=False
    )
    for metric, values in history.get("validation", {}).items():
        logger.info("validation %s after %d rounds: %.4f", metric, rounds, values[-1])
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
