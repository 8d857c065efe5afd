"""Benchmark: local ingestion throughput and the point-in-time read.

Builds ``--rows`` synthetic raw rows (default 100,000) from the credit-risk raw-data fixture (its
1,000 rows repeated, each copy with its own applicant ids and later event times), then times
what ``make pipeline-local`` runs: reading the CSV, ``ingest.prepare`` (contract check per row,
PII removal, transforms) and the append to the local Iceberg table; then the point-in-time read
(``LocalOfflineStore.snapshot``: the DuckDB query over the table and records.csv), median of
``--runs``, once on one ingestion and once after the same file was ingested a second time.

    .venv/bin/python benchmarks/feature_store.py [--rows 100000] [--runs 5]
"""

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from pipelines_src.feature_store.ingest import prepare  # noqa: E402
from pipelines_src.feature_store.local_store import LocalOfflineStore  # noqa: E402
from pipelines_src.model_build.raw_fixture import FIRST_EVENT, with_record_keys, with_synthetic_pii  # noqa: E402
from pipelines_src.model_build.steps.contract import read_raw  # noqa: E402
from platform_config import load_config  # noqa: E402

CONFIG = REPO_ROOT / "config" / "platform.toml"
GROUP = "loan-applicants"
KEY = b"benchmark-key"


def synthetic_raw(rows: int, group, out: Path) -> Path:
    """``rows`` raw rows with distinct record ids, one event a minute from the fixture's first
    (all in the past, so a snapshot as of now holds every record): the fixture's rows, repeated."""
    contract = group.data_contract
    base = pd.read_csv(REPO_ROOT / "data" / "german_credit.csv", dtype=str, keep_default_na=False)
    base = with_synthetic_pii(base, [rule.name for rule in contract.pii])
    copies = []
    for copy in range(-(-rows // len(base))):
        keyed = with_record_keys(base, group.record_identifier, group.event_time)
        keyed[group.record_identifier] = [f"{value}-{copy:03d}" for value in keyed[group.record_identifier]]
        minutes = pd.to_timedelta(range(copy * len(base), (copy + 1) * len(base)), unit="min")
        keyed[group.event_time] = (pd.Timestamp(FIRST_EVENT) + minutes).strftime("%Y-%m-%dT%H:%M:%SZ")
        copies.append(keyed)
    pd.concat(copies, ignore_index=True).head(rows).to_csv(out, index=False, lineterminator="\n")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    group = next(group for group in load_config(CONFIG).feature_groups if group.name == GROUP)
    contract = group.data_contract.model_dump(mode="json")
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        raw = synthetic_raw(args.rows, group, scratch / "raw.csv")
        store = LocalOfflineStore(scratch / "store")

        started = time.perf_counter()
        frame = read_raw(raw)
        read = time.perf_counter()
        prepared = prepare(frame, group, contract, KEY)
        checked = time.perf_counter()
        store.append(group, prepared.records)
        appended = time.perf_counter()
        total = appended - started
        print(f"ingestion of {args.rows:,} rows ({raw.stat().st_size / 1e6:.1f} MB CSV): {total:.2f} s, "
              f"{args.rows / total:,.0f} rows/s")
        print(f"  read CSV {read - started:.2f} s | contract check + PII + transforms {checked - read:.2f} s | "
              f"Iceberg append {appended - checked:.2f} s ({prepared.report['rows_ingested']:,} rows ingested)")

        for label in ("one ingestion", "after re-ingesting the same file"):
            if label != "one ingestion":
                store.append(group, prepared.records)
            as_of = datetime.now(timezone.utc) + timedelta(seconds=1)
            times = []
            for run in range(args.runs):
                began = time.perf_counter()
                snapshot = store.snapshot(group, as_of, scratch / f"snapshot-{run}")
                times.append(time.perf_counter() - began)
            table_rows = store.read_table(group)[0].num_rows
            print(f"point-in-time read, {label} ({table_rows:,} rows in the table -> {snapshot.rows:,}): "
                  f"median {statistics.median(times):.2f} s of {args.runs} (min {min(times):.2f}, max {max(times):.2f})")


if __name__ == "__main__":
    main()
