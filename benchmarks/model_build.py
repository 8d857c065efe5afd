"""Benchmark: the model build pipeline's developer loop.

Prints the median wall time of N runs, each in a fresh Python process as a developer
or CodeBuild starts it (imports included), of:

- ``render``: ``python -m pipelines_src.model_build.render`` (SageMaker SDK import and the
  offline definition of the model's pipeline);
- ``local``: ``python -m pipelines_src.model_build.local_run`` (every step on the bundled data);

and the test-split AUC and disparate impacts (or why fairness does not apply) of the last local run.

    .venv/bin/python benchmarks/model_build.py --runs 3 [--config config/two-models.toml --model breast-cancer]
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO_ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--config", default=str(REPO_ROOT / "config" / "platform.toml"))
    parser.add_argument("--model", default="credit-risk", help="a model of --config")
    args = parser.parse_args()
    config, model = args.config, args.model
    with tempfile.TemporaryDirectory() as scratch:
        render = [sys.executable, "-m", "pipelines_src.model_build.render", "--config", config, "--model", model, "--out", f"{scratch}/render"]
        local = [sys.executable, "-m", "pipelines_src.model_build.local_run", "--config", config, "--model", model, "--out", f"{scratch}/local"]
        for name, command in (("render", render), ("local", local)):
            times = [timed(command) for _ in range(args.runs)]
            print(f"{name:<7} median {statistics.median(times):5.1f} s over {args.runs} runs (min {min(times):.1f}, max {max(times):.1f})")
        gate = json.loads(Path(f"{scratch}/local/fairness/gate.json").read_text())
    fairness = (
        f"fairness not applicable ({gate['fairness_not_applicable']})" if gate["fairness_not_applicable"]
        else "disparate impact " + ", ".join(f"{column} {value:.3f}" for column, value in gate["disparate_impact"].items())
    )
    print(f"{model} test split: AUC {gate['auc']:.3f}; {fairness}")


if __name__ == "__main__":
    main()
