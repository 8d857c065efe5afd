"""Benchmark: the model build pipeline's developer loop.

Prints the median wall time of N runs, each in a fresh Python process as a developer
or CodeBuild starts it (imports included), of:

- ``render``: ``python -m pipelines_src.model_build.render`` (SageMaker SDK import and the
  offline definition of the credit-risk pipeline);
- ``local``: ``python -m pipelines_src.model_build.local_run`` (every step on the bundled data);

and the test-split AUC and disparate impacts of the last local run.

    .venv/bin/python benchmarks/model_build.py --runs 3
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
MODEL = "credit-risk"


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO_ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    config = str(REPO_ROOT / "config" / "platform.toml")
    with tempfile.TemporaryDirectory() as scratch:
        render = [sys.executable, "-m", "pipelines_src.model_build.render", "--config", config, "--model", MODEL, "--out", f"{scratch}/render"]
        local = [sys.executable, "-m", "pipelines_src.model_build.local_run", "--config", config, "--model", MODEL, "--out", f"{scratch}/local"]
        for name, command in (("render", render), ("local", local)):
            times = [timed(command) for _ in range(args.runs)]
            print(f"{name:<7} median {statistics.median(times):5.1f} s over {args.runs} runs (min {min(times):.1f}, max {max(times):.1f})")
        gate = json.loads(Path(f"{scratch}/local/fairness/gate.json").read_text())
    print(f"test split: AUC {gate['auc']:.3f}; disparate impact " + ", ".join(
        f"{column} {value:.3f}" for column, value in gate["disparate_impact"].items()
    ))


if __name__ == "__main__":
    main()
