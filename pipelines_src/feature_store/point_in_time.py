"""The point-in-time read: ONE query text that Athena runs on the offline store in the cloud and
DuckDB runs on the local twin's Iceberg table.

A snapshot as of ``T`` holds, for each record identifier, the row with the greatest
(event time, ``api_invocation_time``, ``write_time``) among the rows whose event time is at or
before ``T`` and whose ``write_time`` is at or before ``T`` (a row ingested after ``T`` is
invisible even when its event time is older), and drops the record when that row is a
deletion (``is_deleted``). Re-ingesting a file appends rows with the same record identifier,
event time and values: whichever of them ranks first, the snapshot holds the same values.
Rows come ordered by record identifier, so the same data gives the same CSV bytes.

The only dialect difference is how an ISO-8601 event time string becomes a timestamp: Athena's
``from_iso8601_timestamp`` (Trino) against DuckDB's cast to ``TIMESTAMPTZ``. An event time of type
Fractional (epoch seconds) is compared as a number in both.
"""

import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Literal

from pipelines_src.feature_store.offline_columns import API_INVOCATION_TIME, IS_DELETED, WRITE_TIME, feature_columns

if TYPE_CHECKING:
    from platform_config.features import FeatureGroupSpec

Dialect = Literal["athena", "duckdb"]
DIALECTS: tuple[Dialect, ...] = ("athena", "duckdb")
RANK_COLUMN = "snapshot_rank"
# Glue database and table names (Feature Store derives them from the group name): no quoting tricks.
_IDENTIFIER_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


def quote_table(table: str) -> str:
    """``db.table`` (or ``table``) as double-quoted identifiers; ValueError for anything else."""
    parts = table.split(".")
    if not 1 <= len(parts) <= 2 or not all(_IDENTIFIER_PART.match(part) for part in parts):
        raise ValueError(f"table {table!r} is not a [database.]table name of letters, digits, '_' and '-'")
    return ".".join(f'"{part}"' for part in parts)


def as_utc(as_of: datetime) -> datetime:
    """``as_of`` in UTC, truncated to the millisecond Feature Store's timestamps carry; a naive
    time is refused because it would silently mean the machine's zone."""
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise ValueError(f"as_of {as_of.isoformat()} has no time zone; give it in UTC, e.g. 2026-01-31T00:00:00Z")
    utc = as_of.astimezone(timezone.utc)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


def iso_utc(as_of: datetime) -> str:
    """``as_of`` as ``YYYY-MM-DDTHH:MM:SS.mmmZ``, the form lineage records and the query quotes."""
    return as_utc(as_of).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def snapshot_query(table: str, group: "FeatureGroupSpec", as_of: datetime, dialect: Dialect = "athena") -> str:
    """The SQL text of ``group``'s snapshot as of ``as_of`` from ``table`` (see the module docstring).

    ``group`` needs ``record_identifier``, ``event_time`` and ``features`` (name, type), as
    ``platform_config.features.FeatureGroupSpec`` has them."""
    if dialect not in DIALECTS:
        raise ValueError(f"dialect {dialect!r} is not one of {list(DIALECTS)}")
    iso = iso_utc(as_of)
    event_type = next(feature.type for feature in group.features if feature.name == group.event_time)
    event = f'"{group.event_time}"'
    if event_type == "Fractional":
        event_key, as_of_event = event, repr(as_utc(as_of).timestamp())
    elif dialect == "athena":
        event_key, as_of_event = f"from_iso8601_timestamp({event})", f"from_iso8601_timestamp('{iso}')"
    else:
        event_key, as_of_event = f"CAST({event} AS TIMESTAMPTZ)", f"CAST('{iso}' AS TIMESTAMPTZ)"
    write_literal = f"TIMESTAMP '{iso[:10]} {iso[11:-1]}'"
    columns = ", ".join(f'"{name}"' for name in feature_columns(group))
    return (
        f"SELECT {columns}\n"
        "FROM (\n"
        f"  SELECT *, row_number() OVER (\n"
        f'    PARTITION BY "{group.record_identifier}"\n'
        f'    ORDER BY {event_key} DESC, "{API_INVOCATION_TIME}" DESC, "{WRITE_TIME}" DESC\n'
        f"  ) AS {RANK_COLUMN}\n"
        f"  FROM {quote_table(table)}\n"
        f'  WHERE {event_key} <= {as_of_event} AND "{WRITE_TIME}" <= {write_literal}\n'
        ") AS ranked\n"
        f'WHERE {RANK_COLUMN} = 1 AND NOT "{IS_DELETED}"\n'
        f'ORDER BY "{group.record_identifier}"'
    )
