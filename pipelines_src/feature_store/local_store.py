"""The local twin of the offline store: one Apache Iceberg table per feature group in a SQL
catalog on SQLite under a folder (``pyiceberg``), read with DuckDB through the same
point-in-time query Athena runs in the cloud.

``LocalOfflineStore(root)`` keeps ``root/catalog.db`` and ``root/warehouse/``. ``append`` adds
records with the columns Feature Store adds (``write_time`` and ``api_invocation_time`` = the
ingestion time, ``is_deleted`` false), as one Iceberg snapshot; ``snapshot`` resolves the
table's current Iceberg snapshot (or a given one, to rebuild from the same data), runs
``snapshot_query(..., dialect="duckdb")`` on it and writes ``records.csv`` + ``snapshot.json``.

Differences from the cloud offline store: rows land in one local commit per ingestion instead
of Feature Store's buffered writes to S3 (``write_time`` there trails ``api_invocation_time``
by up to about 15 minutes); the table is Iceberg here whatever the group's offline table
format; and the snapshot id is the Iceberg snapshot read, where the cloud records the Athena
query execution id.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import NoSuchTableError
from pyiceberg.table import Table

from pipelines_src.feature_store.offline_columns import API_INVOCATION_TIME, IS_DELETED, WRITE_TIME
from pipelines_src.feature_store.point_in_time import as_utc, iso_utc, snapshot_query
from pipelines_src.feature_store.snapshot_files import RECORDS_FILE, Snapshot, describe_snapshot

if TYPE_CHECKING:
    from platform_config.features import FeatureGroupSpec

NAMESPACE = "feature_store"
STORE = "local"
_ARROW_TYPES = {"String": pa.string(), "Integral": pa.int64(), "Fractional": pa.float64()}


def table_name(group: "FeatureGroupSpec") -> str:
    """``feature_store.<group, hyphens as underscores>``: the Iceberg identifier and the name the
    query reads in DuckDB."""
    return f"{NAMESPACE}.{group.name.replace('-', '_')}"


def arrow_schema(group: "FeatureGroupSpec") -> pa.Schema:
    """The offline table's columns (``offline_columns.offline_schema``) as Arrow types."""
    fields = [pa.field(feature.name, _ARROW_TYPES[feature.type]) for feature in group.features]
    fields += [pa.field(WRITE_TIME, pa.timestamp("us")), pa.field(API_INVOCATION_TIME, pa.timestamp("us")), pa.field(IS_DELETED, pa.bool_())]
    return pa.schema(fields)


class LocalOfflineStore:
    """Iceberg tables under ``root``; see the module docstring."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        (self.root / "warehouse").mkdir(parents=True, exist_ok=True)
        self.catalog = SqlCatalog(
            "local",
            uri=f"sqlite:///{(self.root / 'catalog.db').resolve()}",
            warehouse=(self.root / "warehouse").resolve().as_uri(),
        )
        self.catalog.create_namespace_if_not_exists(NAMESPACE)

    def table(self, group: "FeatureGroupSpec") -> Table:
        return self.catalog.create_table_if_not_exists(table_name(group), schema=arrow_schema(group))

    def append(self, group: "FeatureGroupSpec", records: pd.DataFrame, *, written_at: datetime | None = None) -> int | None:
        """Append ``records`` (the group's features) as written at ``written_at`` (default now, UTC);
        the new Iceberg snapshot id, or None when there was nothing to write."""
        if records.empty:
            return None
        when = as_utc(written_at or datetime.now(timezone.utc)).replace(tzinfo=None)
        frame = records[[feature.name for feature in group.features]].copy()
        frame[WRITE_TIME] = when
        frame[API_INVOCATION_TIME] = when
        frame[IS_DELETED] = False
        table = self.table(group)
        table.append(pa.Table.from_pandas(frame, schema=arrow_schema(group), preserve_index=False))
        return table.current_snapshot().snapshot_id

    def read_table(self, group: "FeatureGroupSpec", snapshot_id: int | None = None) -> tuple[pa.Table, int]:
        """The offline rows at ``snapshot_id`` (default: the current Iceberg snapshot) and its id."""
        try:
            table = self.catalog.load_table(table_name(group))
        except NoSuchTableError:
            raise LookupError(f"feature group {group.name!r} has no offline table under {self.root}: ingest first") from None
        resolved = snapshot_id if snapshot_id is not None else getattr(table.current_snapshot(), "snapshot_id", None)
        if resolved is None:
            raise LookupError(f"feature group {group.name!r} has no data under {self.root}: ingest first")
        return table.scan(snapshot_id=resolved).to_arrow(), resolved

    def query(self, group: "FeatureGroupSpec", as_of: datetime, snapshot_id: int | None = None) -> tuple[pd.DataFrame, str, int]:
        """(rows of the snapshot as of ``as_of``, the query text, the Iceberg snapshot read)."""
        rows, resolved = self.read_table(group, snapshot_id)
        text = snapshot_query(table_name(group), group, as_of, dialect="duckdb")
        with _reading(group, rows) as connection:
            result = connection.execute(text).to_arrow_table()
        return _typed(result, group), text, resolved

    def snapshot(
        self, group: "FeatureGroupSpec", as_of: datetime, output_dir: str | Path, *, snapshot_id: int | None = None
    ) -> Snapshot:
        """Write the point-in-time snapshot as of ``as_of`` under ``output_dir``; its metadata.
        DuckDB writes ``records.csv`` itself: shortest round-trip numbers, nulls as empty cells."""
        rows, resolved = self.read_table(group, snapshot_id)
        text = snapshot_query(table_name(group), group, as_of, dialect="duckdb")
        output_dir = Path(output_dir)
        output_dir.mkdir(parents=True, exist_ok=True)
        target = str((output_dir / RECORDS_FILE).resolve()).replace("'", "''")
        with _reading(group, rows) as connection:
            (count,) = connection.execute(f"COPY ({text}) TO '{target}' (FORMAT csv, HEADER)").fetchone()
        return describe_snapshot(
            output_dir,
            rows=count,
            feature_group=group.name,
            store=STORE,
            table=table_name(group),
            as_of=iso_utc(as_of),
            query=text,
            snapshot_id=str(resolved),
        )


@contextmanager
def _reading(group: "FeatureGroupSpec", rows: pa.Table) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection in UTC where ``table_name(group)`` is ``rows``."""
    connection = duckdb.connect()
    try:
        connection.execute("SET TimeZone = 'UTC'")
        connection.register("offline_rows", rows)
        connection.execute(f"CREATE SCHEMA {NAMESPACE}")
        connection.execute(f"CREATE VIEW {table_name(group)} AS SELECT * FROM offline_rows")
        yield connection
    finally:
        connection.close()


def _typed(rows: pa.Table, group: "FeatureGroupSpec") -> pd.DataFrame:
    """Arrow to pandas keeping an Integral feature with nulls integral (``Int64``)."""
    frame = rows.to_pandas()
    for feature in group.features:
        if feature.type == "Integral":
            frame[feature.name] = frame[feature.name].astype("Int64")
    return frame
