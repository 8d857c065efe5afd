"""Benchmark: what the local hyperparameter search buys a model, and what it costs.

Runs the model's local build once (its configured training: the fixed recipe unless tuning is
on), then the local Tune step's search (``steps.tune``: the model's ``[models.tuning]`` ranges,
budget and objective, whether or not tuning is enabled) once per seed on that run's train and
validation splits, and judges each search's pick with the build's own Evaluate and Fairness
steps. Prints, per row: the search's wall time, the pick's validation AUC (what it was chosen
on), its test-split AUC and the gate's verdict. The test split only judges picks, never makes them.

    .venv/bin/python benchmarks/tuning.py [--config config/platform.toml --model credit-risk --seeds 42 1 2 3]
"""

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from pipelines_src.model_build.local_run import run_local
from pipelines_src.model_build.steps import evaluate, fairness, tune
from pipelines_src.model_build.steps.features import read_training_csv
from pipelines_src.model_build.steps.files import csv_files
from pipelines_src.model_build.steps.gate import GATE_FILE
from pipelines_src.model_build.steps.model_artifact import ARCHIVE, save_booster

REPO_ROOT = Path(__file__).resolve().parent.parent


def judge(run: Path) -> dict:
    """Evaluate and Fairness on the model in ``run/model``, as the local build runs them."""
    pre = run / "preprocess"
    evaluate.main(["--model-dir", str(run / "model"), "--splits-dir", str(pre / "splits"),
                   "--metadata-dir", str(pre / "metadata"), "--output-dir", str(run / "evaluation")])
    fairness.main(["--settings", str(run / "model_settings.json"), "--model-dir", str(run / "model"),
                   "--splits-dir", str(pre / "splits"), "--metadata-dir", str(pre / "metadata"),
                   "--evaluation-dir", str(run / "evaluation"), "--output-dir", str(run / "fairness")])
    return json.loads((run / "fairness" / GATE_FILE).read_text())


def line(label: str, gate: dict) -> str:
    return f"{label:<34} test AUC {gate['auc']:.4f}  {gate['message']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(REPO_ROOT / "config" / "platform.toml"))
    parser.add_argument("--model", default="credit-risk")
    parser.add_argument("--seeds", type=int, nargs="*", help="search seeds (default: the model's training.seed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch) / "configured"
        run_local(args.config, args.model, base, log=lambda _: None)
        print(line("configured training", json.loads((base / "fairness" / GATE_FILE).read_text())))
        settings = json.loads((base / "model_settings.json").read_text())
        training = settings["training"]
        splits = [read_training_csv(csv_files(base / "preprocess" / name)[0]) for name in ("train", "validation")]
        for seed in args.seeds or [training["seed"]]:
            booster, report = tune.tune(training["hyperparameters"], settings["tuning"], *splits, seed=seed)
            searched = Path(scratch) / f"seed-{seed}"
            shutil.copytree(base, searched, ignore=shutil.ignore_patterns("feature_store"))
            (searched / "model" / ARCHIVE).unlink()
            save_booster(booster, searched / "model")
            best = report["best"]
            label = f"search seed {seed} ({len(report['trials'])} trials, {report['seconds']:.1f} s)"
            print(line(label, judge(searched)) + f"  [validation AUC {best['objective']:.4f}; {best['hyperparameters']}]")


if __name__ == "__main__":
    main()
