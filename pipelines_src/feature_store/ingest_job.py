"""Ingestion job: a feature group's raw files into its feature group, bad rows into the quarantine.

    python -m pipelines_src.feature_store.ingest_job --feature-group loan-applicants \\
        --config-file /opt/ml/code/feature_group_settings.json --input-dir /opt/ml/processing/input/raw \\
        --quarantine-dir /opt/ml/processing/output/quarantine \\
        --pii-key-secret-id mlops/feature-groups/loan-applicants/pii-hash-key [--store featurestore|local:<dir>]

Reads every ``*.csv`` of ``--input-dir`` (one header each, the same in every file) as text, and
runs ``ingest.prepare`` on all of them at once with the feature group and data contract of
``--config-file`` (``{"feature_group": FeatureGroupSpec.model_dump(mode="json")}``): the contract
check row by row, PII removal with the key of ``--pii-key-secret-id`` (Secrets Manager; read only
when the contract pseudonymizes a column), the declared transforms. Then:

- above the group's ``max_bad_row_rate``, or with a header that breaks the contract, nothing is
  written anywhere and the job fails saying why;
- otherwise the records go to the store, ``featurestore`` (``PutRecord`` through
  ``cloud_writer``, online and offline store) or ``local:<dir>`` (the local twin's offline store,
  ``local_store``), and ``--quarantine-dir`` gets ``report.json``
  (``prepare``'s counts and reasons, plus what was written) and, when rows were rejected,
  ``quarantine.csv``: those rows as read, with ``quarantine_reason``.

Running it again on the same files is harmless: records come back with the same identifier,
event time and values, which the point-in-time snapshot reads once.
"""

import argparse
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines_src.feature_store.cloud_writer import FeatureStoreWriter, client_config
from pipelines_src.feature_store.group_settings import FeatureGroup, feature_group_of
from pipelines_src.feature_store.ingest import Prepared, prepare
from pipelines_src.model_build.steps.contract import ContractViolationError, read_raw
from pipelines_src.model_build.steps.entrypoint import run
from pipelines_src.model_build.steps.files import csv_files, read_json, write_json, write_table
from pipelines_src.model_build.steps.preprocess import pii_key, pseudonymizes

FEATURE_STORE = "featurestore"
LOCAL = "local:"
REPORT_FILE = "report.json"
QUARANTINE_FILE = "quarantine.csv"

logger = logging.getLogger(__name__)


def read_inputs(files: list[Path]) -> pd.DataFrame:
    """Every file as text cells, one frame; a ContractViolationError naming a file whose header
    differs from the first's."""
    frames = [read_raw(path) for path in files]
    header = list(frames[0].columns)
    differing = [f"{path.name}: header {list(frame.columns)} differs from {files[0].name}'s {header}" for path, frame in zip(files, frames) if list(frame.columns) != header]
    if differing:
        raise ContractViolationError(f"{len(files)} files", differing)
    return pd.concat(frames, ignore_index=True)


def contract_of(settings: dict[str, Any], group: FeatureGroup) -> dict[str, Any]:
    contract = settings["feature_group"].get("data_contract")
    if not contract:
        raise ValueError(f"feature group {group.name!r} declares no data_contract: ingestion cannot check its rows")
    return contract


def write_quarantine(prepared: Prepared, written: int, quarantine_dir: str | Path) -> None:
    quarantine_dir = Path(quarantine_dir)
    report = {**prepared.report, "records_written": written}
    write_json(quarantine_dir / REPORT_FILE, report)
    if len(prepared.quarantined):
        write_table(quarantine_dir / QUARANTINE_FILE, prepared.quarantined)


Write = Callable[[pd.DataFrame], int]


def ingest(
    files: list[Path], group: FeatureGroup, contract: dict[str, Any], key: bytes, write: Write, quarantine_dir: str | Path
) -> int:
    """Prepare ``files``, ``write`` the records (how many were written), then the report and the quarantine."""
    prepared = prepare(read_inputs(files), group, contract, key)
    written = write(prepared.records)
    write_quarantine(prepared, written, quarantine_dir)
    logger.info(
        "%s: %d row(s) read, %d written, %d quarantined",
        group.name, prepared.report["rows_read"], written, prepared.report["rows_quarantined"],
    )
    return written


def store_argument(text: str) -> str:
    if text != FEATURE_STORE and not (text.startswith(LOCAL) and len(text) > len(LOCAL)):
        raise argparse.ArgumentTypeError(f"{text!r} is neither {FEATURE_STORE!r} nor {LOCAL}<folder>")
    return text


def _feature_store_writer(group: FeatureGroup) -> FeatureStoreWriter:
    import boto3

    client = boto3.client("sagemaker-featurestore-runtime", config=client_config())
    return FeatureStoreWriter(client, group.name, group.record_identifier)


def writer_for(store: str, group: FeatureGroup) -> Write:
    if store == FEATURE_STORE:
        writer = _feature_store_writer(group)
        return lambda records: writer.write(records.to_dict("records")).records
    # The local twin's pyiceberg and DuckDB are not in the job's image: imported only here.
    from pipelines_src.feature_store.local_store import LocalOfflineStore

    local = LocalOfflineStore(store[len(LOCAL):])
    return lambda records: (local.append(group, records), len(records))[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feature-group", required=True)
    parser.add_argument("--config-file", required=True)
    parser.add_argument("--input-dir", required=True)
    parser.add_argument("--quarantine-dir", required=True)
    parser.add_argument("--pii-key-secret-id", default=None)
    parser.add_argument("--store", default=FEATURE_STORE, type=store_argument, help=f"{FEATURE_STORE} or {LOCAL}<folder>")
    args = parser.parse_args(argv)
    settings = read_json(args.config_file)
    group = feature_group_of(settings, args.feature_group)
    contract = contract_of(settings, group)
    key = pii_key(args.pii_key_secret_id, os.environ, needed=pseudonymizes(contract))
    ingest(csv_files(args.input_dir), group, contract, key, writer_for(args.store, group), args.quarantine_dir)


if __name__ == "__main__":
    run(main)
