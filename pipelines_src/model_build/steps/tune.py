"""Tune step (local runs): search the configured hyperparameter ranges, keep the best model.

In the pipeline, a SageMaker hyperparameter tuning job does this (``tuning.strategy``, Bayesian by
default, with ``tuning.early_stopping_type`` stopping hopeless trials). Locally the search is a
**seeded random search**, not Bayesian optimization: the same ranges and scalings
(``tuning.parameter_ranges``), the same budget (``tuning.max_jobs`` trials), the same static
hyperparameters (``training.hyperparameters``, early stopping included) and the same objective,
the built-in algorithm's AUC on the validation split (of the model each trial keeps), but
draws from ``numpy``'s generator seeded with ``training.seed`` and never stops a trial early.
So a local run and a cloud run search the same space and may pick different points of it.
The test split is never read.

Scalings draw as SageMaker describes them: ``Linear`` (and ``Auto``) uniformly, ``Logarithmic``
uniformly in log space, ``ReverseLogarithmic`` uniformly in log(1 - value); an integer range
draws on [min, max + 1) and rounds down.

Writes the best trial's booster (as ``train`` does) and ``tuning.json``: every trial's
hyperparameters and objective, the best one's, and the search's wall time.
"""

import argparse
import logging
import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xgboost as xgb
from sklearn.metrics import roc_auc_score

from pipelines_src.model_build.steps import container_paths as paths
from pipelines_src.model_build.steps.entrypoint import run
from pipelines_src.model_build.steps.features import read_training_csv
from pipelines_src.model_build.steps.files import csv_files, read_json, write_json
from pipelines_src.model_build.steps.model_artifact import predict_scores, save_booster
from pipelines_src.model_build.steps.train import VALIDATION, train

TUNING_FILE = "tuning.json"

logger = logging.getLogger(__name__)


def draw(ranges: Mapping[str, Mapping[str, Any]], rng: np.random.Generator) -> dict[str, int | float]:
    """One point of ``ranges`` (``{name: {type, min_value, max_value, scaling}}``), in name order."""
    point: dict[str, int | float] = {}
    for name in sorted(ranges):
        bounds = ranges[name]
        low, high, integer = float(bounds["min_value"]), float(bounds["max_value"]), bounds["type"] == "integer"
        top = high + 1 if integer else high
        scaling = bounds.get("scaling", "Auto")
        if scaling == "Logarithmic":
            value = math.exp(rng.uniform(math.log(low), math.log(top)))
        elif scaling == "ReverseLogarithmic":
            value = 1 - math.exp(rng.uniform(math.log(1 - high), math.log(1 - low)))
        else:
            value = rng.uniform(low, top)
        point[name] = int(min(math.floor(value), high)) if integer else float(value)
    return point


def validation_auc(booster: xgb.Booster, validation_set: tuple[np.ndarray, np.ndarray]) -> float:
    """The kept model's AUC on the validation split: the value the built-in algorithm reports as
    ``validation:auc`` (xgboost's ``auc``) for the same trees."""
    labels, features = validation_set
    return float(roc_auc_score(labels, predict_scores(booster, features)))


def tune(
    static: Mapping[str, Any],
    tuning: Mapping[str, Any],
    train_set: tuple[np.ndarray, np.ndarray],
    validation_set: tuple[np.ndarray, np.ndarray],
    *,
    seed: int,
) -> tuple[xgb.Booster, dict[str, Any]]:
    """The best of ``tuning["max_jobs"]`` trials (highest validation AUC; the first on a tie) and the report."""
    if tuning["objective_metric"] != f"{VALIDATION}:auc" or tuning["objective_type"] != "Maximize":
        raise ValueError(f"the local search maximizes {VALIDATION}:auc, not {tuning['objective_type']} {tuning['objective_metric']}")
    if "auc" not in [metric.strip() for metric in str(static.get("eval_metric", "")).split(",")]:
        raise ValueError("training.hyperparameters.eval_metric must list auc: the search's objective is the validation AUC")
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    trials, best = [], None
    for _ in range(tuning["max_jobs"]):
        searched = draw(tuning["parameter_ranges"], rng)
        booster = train({**static, **searched}, train_set, validation_set)
        objective = validation_auc(booster, validation_set)
        trials.append({"hyperparameters": searched, "objective": objective, "rounds": booster.num_boosted_rounds()})
        if best is None or objective > best[1]["objective"]:
            best = (booster, trials[-1])
    booster, chosen = best
    report = {
        "search": "seeded random search",
        # What SageMaker runs on the same space.
        "strategy_in_the_cloud": tuning["strategy"],
        "objective_metric": tuning["objective_metric"],
        "seed": seed,
        "static_hyperparameters": dict(static),
        "best": chosen,
        "effective_hyperparameters": {**static, **chosen["hyperparameters"]},
        "trials": trials,
        "seconds": time.perf_counter() - started,
    }
    return booster, report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default=paths.SETTINGS)
    parser.add_argument("--train-dir", default=paths.TRAIN_CHANNEL)
    parser.add_argument("--validation-dir", default=paths.VALIDATION_CHANNEL)
    parser.add_argument("--model-dir", default=paths.MODEL_OUTPUT)
    args = parser.parse_args(argv)
    settings = read_json(args.settings)
    training = settings["training"]
    booster, report = tune(
        training["hyperparameters"],
        settings["tuning"],
        read_training_csv(csv_files(args.train_dir)[0]),
        read_training_csv(csv_files(args.validation_dir)[0]),
        seed=training["seed"],
    )
    save_booster(booster, Path(args.model_dir))
    write_json(Path(args.model_dir) / TUNING_FILE, report)
    logger.info(
        "%d trials in %.2f s; best validation AUC %.4f with %s",
        len(report["trials"]), report["seconds"], report["best"]["objective"], report["best"]["hyperparameters"],
    )


if __name__ == "__main__":
    run(main)
