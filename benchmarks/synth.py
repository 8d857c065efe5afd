"""Benchmark: full-app synth (CDK validation and both cdk-nag packs on).

Prints the median wall time of N synths, the peak resident memory of the
largest process involved (the Python app or its jsii Node kernel), and the
number of resources synthesized. Run with `make bench` or:

    .venv/bin/python benchmarks/synth.py --runs 5 [--mode cli|app]

``cli`` runs `cdk synth '**'` as `make synth` does; ``app`` runs app.py the way
the CLI invokes it, without the CLI's own start-up.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def synth_command(mode: str, outdir: Path) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "PATH": f"{REPO_ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"}
    env.pop("AWS_PROFILE", None)
    if mode == "cli":
        return [str(REPO_ROOT / "node_modules" / ".bin" / "cdk"), "synth", "**", "--quiet", "-o", str(outdir)], env
    context = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    env.update({"CDK_OUTDIR": str(outdir), "CDK_CONTEXT_JSON": json.dumps(context)})
    return [sys.executable, str(REPO_ROOT / "app.py")], env


def count_resources(outdir: Path) -> int:
    return sum(
        len(json.loads(path.read_text()).get("Resources", {})) for path in outdir.rglob("*.template.json")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mode", choices=("cli", "app"), default="cli")
    args = parser.parse_args()

    durations = []
    resources = 0
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as outdir:
            command, env = synth_command(args.mode, Path(outdir))
            started = time.perf_counter()
            subprocess.run(command, cwd=REPO_ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
            durations.append(time.perf_counter() - started)
            resources = count_resources(Path(outdir))
        print(f"run {run + 1}/{args.runs}: {durations[-1]:.2f} s", file=sys.stderr)
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"synth ({args.mode}, validation + AwsSolutions + NIST 800-53 R5): "
          f"median {statistics.median(durations):.2f} s over {args.runs} runs "
          f"(min {min(durations):.2f} s, max {max(durations):.2f} s)")
    print(f"peak memory (largest process): {peak_mib:.0f} MiB")
    print(f"resources synthesized: {resources}")


if __name__ == "__main__":
    main()
