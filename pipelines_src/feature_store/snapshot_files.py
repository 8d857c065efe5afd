"""What a point-in-time read leaves behind: ``records.csv`` for Preprocess and ``snapshot.json``,
whose fields the registered version's lineage (``CustomerMetadataProperties``) records.

``snapshot.json``: ``feature_group``, ``store`` (``athena`` or ``local``), ``table``, ``as_of``
(``YYYY-MM-DDTHH:MM:SS.mmmZ``), ``query`` (the SQL text run) and ``query_sha256``,
``snapshot_id`` (the Athena query execution id, or the local Iceberg snapshot id), ``rows`` and
``sha256`` (of ``records.csv``'s bytes). The query text itself is too long for a metadata value
(256 characters at most): the lineage carries its SHA-256.
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

RECORDS_FILE = "records.csv"
METADATA_FILE = "snapshot.json"

# CustomerMetadataProperties keys of the registered version (shared with the cloud Snapshot step).
AS_OF = "FeatureSnapshotAsOf"
QUERY_SHA256 = "FeatureSnapshotQuerySha256"
SNAPSHOT_ID = "FeatureSnapshotId"
ROWS = "FeatureSnapshotRows"
CSV_SHA256 = "FeatureSnapshotSha256"
LINEAGE_KEYS = (AS_OF, QUERY_SHA256, SNAPSHOT_ID, ROWS, CSV_SHA256)


@dataclass(frozen=True)
class Snapshot:
    """One resolved point-in-time read."""

    feature_group: str
    store: str
    table: str
    as_of: str
    query: str
    snapshot_id: str
    rows: int
    sha256: str

    @property
    def query_sha256(self) -> str:
        return sha256_hex(self.query.encode("utf-8"))

    def lineage(self) -> dict[str, str]:
        """The registered version's metadata entries for this snapshot."""
        return {
            AS_OF: self.as_of,
            QUERY_SHA256: self.query_sha256,
            SNAPSHOT_ID: self.snapshot_id,
            ROWS: str(self.rows),
            CSV_SHA256: self.sha256,
        }

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "query_sha256": self.query_sha256}

    @classmethod
    def from_json(cls, payload: Mapping[str, Any]) -> "Snapshot":
        snapshot = cls(**{name: payload[name] for name in cls.__dataclass_fields__})
        if payload.get("query_sha256", snapshot.query_sha256) != snapshot.query_sha256:
            raise ValueError("snapshot.json: query_sha256 does not match the query text")
        return snapshot


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_records(frame: pd.DataFrame, output_dir: str | Path) -> Path:
    """``records.csv``: a header, ``\\n`` line ends, empty cells for nulls."""
    path = Path(output_dir) / RECORDS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


def write_snapshot(
    frame: pd.DataFrame,
    output_dir: str | Path,
    *,
    feature_group: str,
    store: str,
    table: str,
    as_of: str,
    query: str,
    snapshot_id: str,
) -> Snapshot:
    """Write ``frame`` (the query's result) and its ``snapshot.json`` under ``output_dir``."""
    write_records(frame, output_dir)
    return describe_snapshot(
        output_dir, rows=len(frame), feature_group=feature_group, store=store, table=table, as_of=as_of, query=query,
        snapshot_id=snapshot_id,
    )


def describe_snapshot(
    output_dir: str | Path,
    *,
    rows: int,
    feature_group: str,
    store: str,
    table: str,
    as_of: str,
    query: str,
    snapshot_id: str,
) -> Snapshot:
    """Write ``snapshot.json`` for the ``records.csv`` of ``rows`` rows already in ``output_dir``."""
    digest = sha256_hex((Path(output_dir) / RECORDS_FILE).read_bytes())
    snapshot = Snapshot(feature_group, store, table, as_of, query, str(snapshot_id), int(rows), digest)
    (Path(output_dir) / METADATA_FILE).write_text(json.dumps(snapshot.to_json(), indent=2, sort_keys=True) + "\n")
    return snapshot


def read_snapshot(output_dir: str | Path) -> Snapshot:
    return Snapshot.from_json(json.loads((Path(output_dir) / METADATA_FILE).read_text()))
