"""Preprocess step: data contract check, PII removal, stratified split, encoding, data digest.

Reads every ``*.csv`` of ``--input-dir`` (one header each) and writes under ``--output-dir``:

- ``train/train.csv``, ``validation/validation.csv``: the built-in XGBoost algorithm's
  channels (see ``features``: label first, no header, encoded);
- ``splits/{train,validation,test}.csv``: the same rows in the raw feature space with a
  header, PII removed (dropped columns gone, pseudonymized ones hashed); evaluation,
  fairness and the monitoring baseline read these;
- ``metadata/encoding.json`` (``features.FeatureEncoding``), ``metadata/data_digest.json``
  (SHA-256 of each input file and of the set, the lineage the registry records) and
  ``metadata/preprocess_report.json`` (rows, PII handled, split sizes and positive rates).

A contract violation stops the step before anything is written, with every problem listed.

Input: raw CSV files (a model without a feature group), checked against the model's data
contract; or, for a model whose settings name a ``feature_group``, the point-in-time snapshot
``records.csv`` of that group (``pipelines_src.feature_store``). Ingestion has already checked
those rows against the same contract, removed the PII and added the transforms, so a snapshot is
checked against ``input_contract``: the contract's columns but the PII, plus the transform
outputs; the other columns of the group (record identifier, event time, features other models
use) are not read. The encoding, the splits and the endpoint's input stay the model's contract.

The pseudonymization key: ``--pii-key-secret-id`` (a Secrets Manager secret, how the
pipeline runs it), else the ``PII_HASH_KEY`` environment variable, else
``LOCAL_DEVELOPMENT_KEY`` (local runs and tests only: it is public, so its pseudonyms
protect nothing). A contract that pseudonymizes no column needs no key: none is read.
"""

import argparse
import hashlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pandas as pd
from sklearn.model_selection import train_test_split

from pipelines_src.model_build.steps import contract as data_contract
from pipelines_src.model_build.steps import container_paths as paths
from pipelines_src.model_build.steps.entrypoint import run
from pipelines_src.model_build.steps.features import ENCODING_FILE, FeatureEncoding, transform_outputs, write_training_csv
from pipelines_src.model_build.steps.files import csv_files, read_json, write_json, write_table
from pipelines_src.model_build.steps.pii import remove_pii

PII_KEY_ENV = "PII_HASH_KEY"
LOCAL_DEVELOPMENT_KEY = "local-development-pii-key"
DIGEST_FILE = "data_digest.json"
REPORT_FILE = "preprocess_report.json"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Preprocessed:
    splits: dict[str, pd.DataFrame]
    encoding: FeatureEncoding
    digest: dict[str, Any]
    report: dict[str, Any]


def data_digest(files: list[Path]) -> dict[str, Any]:
    """SHA-256 of each file and of the set (over the sorted ``name:sha256`` lines)."""
    entries = [{"file": path.name, "sha256": _sha256(path.read_bytes()), "bytes": path.stat().st_size} for path in files]
    entries.sort(key=lambda entry: entry["file"])
    combined = _sha256("\n".join(f"{entry['file']}:{entry['sha256']}" for entry in entries).encode())
    return {"algorithm": "sha256", "files": entries, "sha256": combined, "digest": f"sha256:{combined}"}


def input_contract(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The contract the step's input honours: the model's for raw CSV; for a feature group
    snapshot, its columns but the PII (removed at ingestion) plus the transform outputs."""
    contract = dict(settings["contract"])
    if not settings.get("feature_group"):
        return contract
    pii = {rule["name"] for rule in contract.get("pii", ())}
    columns = [rule for rule in contract["columns"] if rule["name"] not in pii]
    derived = [{"name": name, "type": "float", "nullable": True} for name in transform_outputs(settings)]
    return {**contract, "columns": [*columns, *derived], "pii": []}


def read_checked(files: list[Path], contract: Mapping[str, Any], *, only_contract_columns: bool = False) -> pd.DataFrame:
    """All files, typed by the contract; one ContractViolationError listing every file's problems.
    ``only_contract_columns`` reads just the contract's columns (a snapshot holds more)."""
    declared = [rule["name"] for rule in contract["columns"]]
    frames, problems = [], []
    for path in files:
        raw = data_contract.read_raw(path)
        if only_contract_columns:
            raw = raw[[name for name in raw.columns if name in declared]]
        found = data_contract.violations(raw, contract)
        prefix = f"{path.name}: " if len(files) > 1 else ""
        problems += [prefix + problem for problem in found]
        if not found:
            frames.append(data_contract.conform(raw, contract))
    if problems:
        source = files[0].name if len(files) == 1 else f"{len(files)} files"
        raise data_contract.ContractViolationError(source, problems)
    return pd.concat(frames, ignore_index=True)


def split(frame: pd.DataFrame, labels: pd.Series, *, test_fraction: float, validation_fraction: float, seed: int) -> dict[str, pd.DataFrame]:
    """Train / validation / test, stratified on ``labels``; fractions are of the whole frame."""
    rest, test = train_test_split(frame, test_size=test_fraction, stratify=labels, random_state=seed)
    validation_of_rest = validation_fraction / (1.0 - test_fraction)
    train, validation = train_test_split(
        rest, test_size=validation_of_rest, stratify=labels.loc[rest.index], random_state=seed
    )
    return {"train": train.reset_index(drop=True), "validation": validation.reset_index(drop=True), "test": test.reset_index(drop=True)}


def preprocess(files: list[Path], settings: Mapping[str, Any], key: bytes) -> Preprocessed:
    """Check, clean, split and describe the raw ``files`` as ``settings`` (model_settings.json) say."""
    contract = input_contract(settings)
    training = settings["training"]
    encoding = FeatureEncoding.from_settings(settings)
    digest = data_digest(files)
    checked = read_checked(files, contract, only_contract_columns=bool(settings.get("feature_group")))
    frame = remove_pii(checked, contract.get("pii", ()), key)
    labels = pd.Series(encoding.labels(frame), index=frame.index)
    splits = split(
        frame,
        labels,
        test_fraction=training["test_fraction"],
        validation_fraction=training["validation_fraction"],
        seed=training["seed"],
    )
    report = {
        "source_files": [entry["file"] for entry in digest["files"]],
        "rows": len(frame),
        "columns": list(frame.columns),
        "source": "feature_group_snapshot" if settings.get("feature_group") else "raw_csv",
        "pii": {
            action: [rule["name"] for rule in contract.get("pii", ()) if rule["action"] == action]
            for action in ("drop", "pseudonymize")
        },
        "splits": {
            name: {"rows": len(part), "positive_rate": float(encoding.labels(part).mean())} for name, part in splits.items()
        },
    }
    return Preprocessed(splits=splits, encoding=encoding, digest=digest, report=report)


def write_outputs(result: Preprocessed, output_dir: str | Path) -> None:
    output_dir = Path(output_dir)
    for name in ("train", "validation"):
        part = result.splits[name]
        write_training_csv(output_dir / name / f"{name}.csv", result.encoding.labels(part), result.encoding.features(part))
    for name, part in result.splits.items():
        write_table(output_dir / "splits" / f"{name}.csv", part)
    write_json(output_dir / "metadata" / ENCODING_FILE, result.encoding.to_json())
    write_json(output_dir / "metadata" / DIGEST_FILE, result.digest)
    write_json(output_dir / "metadata" / REPORT_FILE, result.report)


def pseudonymizes(contract: Mapping[str, Any]) -> bool:
    return any(rule["action"] == "pseudonymize" for rule in contract.get("pii", ()))


def pii_key(secret_id: str | None, environ: Mapping[str, str], *, needed: bool = True) -> bytes:
    """The pseudonymization key: the secret, else ``PII_HASH_KEY``, else the public local key;
    when no column is pseudonymized (``needed`` false), the public key, unread and unannounced."""
    if not needed:
        return LOCAL_DEVELOPMENT_KEY.encode()
    if secret_id:
        return boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"].encode()
    if environ.get(PII_KEY_ENV):
        return environ[PII_KEY_ENV].encode()
    logger.warning("%s is not set: pseudonymizing with the public local development key", PII_KEY_ENV)
    return LOCAL_DEVELOPMENT_KEY.encode()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default=paths.SETTINGS)
    parser.add_argument("--input-dir", default=paths.RAW)
    parser.add_argument("--output-dir", default=paths.OUTPUT)
    parser.add_argument("--pii-key-secret-id", default=None)
    args = parser.parse_args(argv)
    settings = read_json(args.settings)
    key = pii_key(args.pii_key_secret_id, os.environ, needed=pseudonymizes(input_contract(settings)))
    result = preprocess(csv_files(args.input_dir), settings, key)
    write_outputs(result, args.output_dir)
    logger.info("preprocessed %d rows: %s", result.report["rows"], result.report["splits"])


if __name__ == "__main__":
    run(main)
