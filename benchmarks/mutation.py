"""Mutation check: how many deliberate bugs in the decision modules the fast tests catch.

Runs mutmut (modules and tests in ``setup.cfg``'s ``[mutmut]``) from scratch, then
prints killed / total, the run time, and every surviving mutant: those listed in
``benchmarks/mutation_equivalents.txt`` (equivalent: no test can tell them from
the code) with the reason, the others as missing tests to write. Exits non-zero
below ``--min-score`` or on a survivor that is not listed. Run with
`make mutation` or:

    .venv/bin/python benchmarks/mutation.py [--max-children 2] [--min-score 90]

``mutmut show NAME`` prints a mutant's diff; ``mutmut apply NAME`` writes it into
the source to reproduce it (restore with ``git checkout -- FILE``).
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = REPO_ROOT / "benchmarks" / "mutation_equivalents.txt"
MUTMUT = REPO_ROOT / ".venv" / "bin" / "mutmut"
LOG = REPO_ROOT / "build" / "mutation.log"


def equivalents() -> dict[str, str]:
    """Mutant name → why it is equivalent, from lines ``<name> <reason>``."""
    listed = {}
    for line in EQUIVALENTS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, reason = line.partition(" ")
            listed[name] = reason.strip()
    return listed


def statuses(env: dict[str, str]) -> dict[str, str]:
    """Mutant name → mutmut's verdict (killed, survived, no tests, timeout...)."""
    shown = subprocess.run(
        [str(MUTMUT), "results", "--all", "true"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True
    )
    found = {}
    for line in shown.stdout.splitlines():
        name, separator, status = line.strip().partition(": ")
        if separator:
            found[name] = status
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--min-score", type=float, default=90.0)
    args = parser.parse_args()
    env = {**os.environ, "PATH": f"{REPO_ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"}
    shutil.rmtree(REPO_ROOT / "mutants", ignore_errors=True)
    LOG.parent.mkdir(exist_ok=True)
    started = time.monotonic()
    with LOG.open("w") as log:
        run = subprocess.run(
            [str(MUTMUT), "run", "--max-children", str(args.max_children)], cwd=REPO_ROOT, env=env, stdout=log, stderr=log
        )
    seconds = time.monotonic() - started
    if run.returncode != 0:
        print(LOG.read_text()[-3000:], file=sys.stderr)
        print(f"mutmut failed (exit {run.returncode}); its output is in {LOG}", file=sys.stderr)
        return run.returncode
    verdicts = statuses(env)
    killed = sum(status in ("killed", "timeout") for status in verdicts.values())
    score = 100 * killed / len(verdicts)
    listed = equivalents()
    survivors = sorted(name for name, status in verdicts.items() if status not in ("killed", "timeout"))
    explained = [name for name in survivors if name in listed]
    unexplained = [name for name in survivors if name not in listed]
    print(f"mutation score: {killed} killed / {len(verdicts)} mutants = {score:.1f}% in {seconds:.0f} s")
    print(f"{len(explained)} equivalent survivor(s) ({EQUIVALENTS.relative_to(REPO_ROOT)}):")
    for name in explained:
        print(f"  {name}: {listed[name]}")
    stale = sorted(set(listed) - set(survivors))
    if stale:
        print(f"{len(stale)} listed equivalent(s) no longer survive (the code moved; update the list): {stale}")
    if unexplained:
        print(f"{len(unexplained)} survivor(s) without a test that kills them (`mutmut show NAME`):")
        for name in unexplained:
            print(f"  {name}: {verdicts[name]}")
    return 0 if score >= args.min_score and not unexplained else 1


if __name__ == "__main__":
    sys.exit(main())
