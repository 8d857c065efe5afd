"""Run time and peak memory of the drift job on 100,000 captured records.

    .venv/bin/python benchmarks/drift_job_runtime.py [--records 100000] [--rows-per-record 1] [--base64]

Writes synthetic capture files (rows sampled from data/german_credit.csv and
encoded as the credit-risk endpoint receives them, CSV payloads, 1,000 records
per file) and the training split's baseline (the build pipeline's baseline
step) into a temp folder, then runs the local command (the container job's
code path) in a child process and prints its wall time and peak resident
memory. Writing the files is not timed.
"""

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines_src.monitoring.synthetic import demo_scores, requests, write_capture_files  # noqa: E402
from tests.monitoring.traffic import DATA, credit_traffic  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rows-per-record", type=int, default=1)
    parser.add_argument("--base64", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        credit = credit_traffic(folder / "baseline")
        rows = pd.read_csv(DATA)[credit.train.columns]
        traffic = rows.sample(args.records * args.rows_per_record, replace=True, random_state=7).reset_index(drop=True)
        sent = requests(traffic, credit.settings.features)
        files = write_capture_files(sent, demo_scores(traffic), folder / "capture", records_per_file=1000,
                                    rows_per_record=args.rows_per_record, base64_encoded=args.base64,
                                    seconds_apart=3600 / args.records)
        size_mb = sum(path.stat().st_size for path in files) / 1e6
        command = [sys.executable, "-m", "pipelines_src.monitoring.run_local", "--capture", str(folder / "capture"),
                   "--baseline", str(folder / "baseline"), "--out", str(folder / "report"),
                   "--config", str(ROOT / "config" / "platform.toml"), "--model", "credit-risk"]
        started = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            sys.exit(f"the job failed:\n{result.stderr}")
        summary = result.stdout.splitlines()[1].strip()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = usage.ru_maxrss / 1024
    print(f"records: {args.records:,} ({args.rows_per_record} row(s) each, "
          f"{'base64' if args.base64 else 'CSV'} payloads of {sent.shape[1]} raw columns), "
          f"{len(files)} files, {size_mb:.0f} MB")
    print(f"job: {summary}")
    print(f"run time: {elapsed:.1f} s wall, {usage.ru_utime + usage.ru_stime:.1f} s CPU "
          "(process start to exit, imports and report included; wall time grows when the cores are shared)")
    print(f"peak memory: {peak_mb:.0f} MB (maximum resident set size of the job process)")


if __name__ == "__main__":
    main()
