"""Benchmark: full-app synth (CDK validation and both cdk-nag packs on).

Prints the median wall time of N synths, the peak resident memory of the
largest process involved (the Python app or its jsii Node kernel), and the
number of resources synthesized. Run with `make bench` or:

    .venv/bin/python benchmarks/synth.py --runs 5 [--mode cli|app] [--config PATH]

``cli`` runs `cdk synth '**'` as `make synth` does; ``app`` runs app.py the way
the CLI invokes it, without the CLI's own start-up.

``--models N`` measures how synth scales with the number of models: it writes a
config holding N copies of the config's first model (``<name>``, ``<name>-2``, ...),
renders them (one process), and in the same run synthesizes the config's first model
alone and the N copies, alternately, ``--runs`` times each. It prints both medians,
their ratio, and the worst stack against each CloudFormation limit (resources,
template size, parameters, outputs), flagging any stack above ``--limit-share``
(default 60%) of a limit. Exit status 1 when a stack is above it.
"""

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO_ROOT / "config" / "platform.toml"
RENDERED = REPO_ROOT / "build" / "pipelines"
# CloudFormation quotas per stack (the template body is read from S3, whose limit is 1 MB).
LIMITS = {"resources": 500, "template bytes": 1_000_000, "parameters": 200, "outputs": 200}
# Paths a model or feature group entry gives relative to its config file.
_RELATIVE_PATH = re.compile(r'^(dataset|data_contract) = "([^"/][^"]*)"$', re.MULTILINE)


def synth_command(mode: str, outdir: Path, config: Path) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "PATH": f"{REPO_ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"}
    env.pop("AWS_PROFILE", None)
    if mode == "cli":
        cdk = str(REPO_ROOT / "node_modules" / ".bin" / "cdk")
        return [cdk, "synth", "**", "--quiet", "-o", str(outdir), "-c", f"config={config}"], env
    context = {**json.loads((REPO_ROOT / "cdk.json").read_text())["context"], "config": str(config)}
    env.update({"CDK_OUTDIR": str(outdir), "CDK_CONTEXT_JSON": json.dumps(context)})
    return [sys.executable, str(REPO_ROOT / "app.py")], env


def templates(outdir: Path) -> dict[str, Path]:
    return {path.name.removesuffix(".template.json"): path for path in outdir.rglob("*.template.json")}


def count_resources(outdir: Path) -> int:
    return sum(len(json.loads(path.read_text()).get("Resources", {})) for path in templates(outdir).values())


_BUDGET = re.compile(r"^(monthly_budget_usd = )([0-9.]+)$", re.MULTILINE)


def copies_config(base: Path, copies: int, folder: Path) -> tuple[Path, list[str]]:
    """A config like ``base`` whose models are ``copies`` copies of its first model."""
    text = base.read_text()
    # Paths are relative to the config file, which the copy does not sit beside.
    text = _RELATIVE_PATH.sub(lambda m: f'{m[1]} = "{(base.parent / m[2]).resolve()}"', text)
    head, _, rest = text.partition("[[models]]")
    model = "[[models]]" + rest.split("[[models]]")[0]
    name = re.search(r'^name = "([^"]+)"$', model, re.MULTILINE)[1]
    names = [name] + [f"{name}-{index}" for index in range(2, copies + 1)]
    blocks = [model.replace(f'name = "{name}"', f'name = "{copy}"', 1) for copy in names]
    # Synth refuses an account whose estimate exceeds its budget: each copy brings its own share.
    head = _BUDGET.sub(lambda m: f"{m[1]}{float(m[2]) * copies:g}", head)
    path = folder / f"{copies}-models.toml"
    path.write_text(head + "\n".join(blocks))
    return path, names


def render(config: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pipelines_src.model_build.render", "--config", str(config), "--all", "--if-stale"],
        cwd=REPO_ROOT, check=True, stdout=subprocess.DEVNULL,
    )


def synth_once(mode: str, config: Path) -> tuple[float, dict[str, dict]]:
    with tempfile.TemporaryDirectory() as outdir:
        command, env = synth_command(mode, Path(outdir), config)
        started = time.perf_counter()
        run_quietly(command, env)
        elapsed = time.perf_counter() - started
        return elapsed, {name: _usage(path) for name, path in templates(Path(outdir)).items()}


def run_quietly(command: list[str], env: dict[str, str]) -> None:
    """Run a synth; its output (the CLI lists every stack) only when it fails."""
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"synth failed ({result.returncode}):\n{result.stderr}")


def _usage(path: Path) -> dict[str, int]:
    template = json.loads(path.read_text())
    return {
        "resources": len(template.get("Resources", {})),
        "template bytes": path.stat().st_size,
        "parameters": len(template.get("Parameters", {})),
        "outputs": len(template.get("Outputs", {})),
    }


def report_limits(usage: dict[str, dict[str, int]], share: float) -> bool:
    """Print the worst stack per limit; True when every stack is within ``share`` of each."""
    within = True
    for limit, maximum in LIMITS.items():
        stack, used = max(((name, counts[limit]) for name, counts in usage.items()), key=lambda item: item[1])
        flag = "" if used <= share * maximum else f"  ABOVE {share:.0%}"
        within &= not flag
        print(f"  {limit:<15} worst {stack}: {used} of {maximum} ({used / maximum:.1%}){flag}")
    return within


def scaling(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as folder:
        one, _ = copies_config(args.config, 1, Path(folder))
        many, names = copies_config(args.config, args.models, Path(folder))
        started = time.perf_counter()
        render(many)
        print(f"rendered {args.models} models in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        try:
            one_durations, many_durations, usage = [], [], {}
            for run in range(args.runs):
                one_durations.append(synth_once(args.mode, one)[0])
                elapsed, usage = synth_once(args.mode, many)
                many_durations.append(elapsed)
                print(f"run {run + 1}/{args.runs}: 1 model {one_durations[-1]:.1f} s, "
                      f"{args.models} models {elapsed:.1f} s", file=sys.stderr)
        finally:
            for name in names[1:]:
                shutil.rmtree(RENDERED / name, ignore_errors=True)
    one_median, many_median = statistics.median(one_durations), statistics.median(many_durations)
    print(f"synth ({args.mode}, validation + AwsSolutions + NIST 800-53 R5), median of {args.runs} runs each:")
    print(f"  1 model: {one_median:.2f} s; {args.models} models: {many_median:.2f} s; "
          f"ratio {many_median / one_median:.2f}")
    print(f"  stacks with {args.models} models: {len(usage)}; resources: {sum(u['resources'] for u in usage.values())}")
    print(f"per-stack CloudFormation limits with {args.models} models:")
    return 0 if report_limits(usage, args.limit_share) else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mode", choices=("cli", "app"), default="cli")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--models", type=int, help="measure 1 model against this many copies of it")
    parser.add_argument("--limit-share", type=float, default=0.6)
    args = parser.parse_args()
    args.config = args.config.resolve()
    if args.models:
        sys.exit(scaling(args))

    durations = []
    resources = 0
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as outdir:
            command, env = synth_command(args.mode, Path(outdir), args.config)
            started = time.perf_counter()
            run_quietly(command, env)
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
