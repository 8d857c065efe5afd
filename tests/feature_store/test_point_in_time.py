"""The point-in-time query, run by DuckDB on a tiny offline table: what a snapshot as of T holds."""

from datetime import datetime, timedelta, timezone

import duckdb
import pandas as pd
import pytest

from pipelines_src.feature_store.point_in_time import iso_utc, quote_table, snapshot_query
from platform_config.features import FeatureGroupSpec

T = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
GROUP = FeatureGroupSpec(
    name="applicants",
    record_identifier="id",
    event_time="event_time",
    features=(
        {"name": "id", "type": "String"},
        {"name": "event_time", "type": "String"},
        {"name": "amount", "type": "Integral"},
    ),
)


def _row(record: str, event: datetime, amount: int, written: datetime, *, deleted: bool = False) -> dict:
    return {
        "id": record,
        "event_time": event.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "amount": amount,
        "write_time": written.replace(tzinfo=None),
        "api_invocation_time": written.replace(tzinfo=None),
        "is_deleted": deleted,
    }


def snapshot(rows: list[dict], as_of: datetime = T, group: FeatureGroupSpec = GROUP) -> pd.DataFrame:
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    connection.register("offline", pd.DataFrame(rows))
    return connection.execute(snapshot_query("offline", group, as_of, dialect="duckdb")).fetchdf()


def _amounts(frame: pd.DataFrame) -> dict[str, int]:
    return dict(zip(frame["id"], frame["amount"]))


DAY = timedelta(days=1)


def test_latest_event_at_or_before_as_of_wins() -> None:
    rows = [
        _row("a", T - 3 * DAY, 1, T - 3 * DAY),
        _row("a", T - DAY, 2, T - DAY),
        _row("a", T + DAY, 3, T - DAY),  # an event dated after T, ingested before T
        _row("b", T, 10, T),  # exactly at T counts
    ]
    assert _amounts(snapshot(rows)) == {"a": 2, "b": 10}


def test_rows_written_after_as_of_are_invisible() -> None:
    rows = [
        _row("a", T - 3 * DAY, 1, T - 3 * DAY),
        _row("a", T - 2 * DAY, 2, T + timedelta(seconds=1)),  # a late correction of an old event
        _row("c", T - 5 * DAY, 7, T + DAY),
    ]
    assert _amounts(snapshot(rows)) == {"a": 1}


def test_a_deletion_removes_the_record() -> None:
    rows = [_row("a", T - 3 * DAY, 1, T - 3 * DAY), _row("a", T - DAY, 1, T - DAY, deleted=True), _row("b", T - DAY, 5, T - DAY)]
    assert _amounts(snapshot(rows)) == {"b": 5}
    assert _amounts(snapshot(rows, as_of=T - 2 * DAY)) == {"a": 1}


def test_reingested_identical_rows_give_one_row_each() -> None:
    first = [_row("a", T - 3 * DAY, 1, T - 3 * DAY), _row("b", T - 2 * DAY, 2, T - 3 * DAY)]
    again = [{**row, "write_time": row["write_time"] + DAY, "api_invocation_time": row["api_invocation_time"] + DAY} for row in first]
    assert snapshot(first + again).equals(snapshot(first))
    assert len(snapshot(first + again)) == 2


def test_rows_come_in_record_order_with_the_group_columns_only() -> None:
    rows = [_row(record, T - DAY, index, T - DAY) for index, record in enumerate(["c", "a", "b"])]
    frame = snapshot(rows)
    assert list(frame.columns) == ["id", "event_time", "amount"]
    assert list(frame["id"]) == ["a", "b", "c"]


def test_event_times_with_an_offset_or_milliseconds_compare_as_instants() -> None:
    rows = [
        {**_row("a", T, 1, T - DAY), "event_time": "2026-06-01T13:30:00+02:00"},  # 11:30 UTC: visible
        {**_row("b", T, 2, T - DAY), "event_time": "2026-06-01T12:00:00.001Z"},  # 1 ms after T
    ]
    assert _amounts(snapshot(rows)) == {"a": 1}


def test_epoch_seconds_event_time_compares_as_a_number() -> None:
    group = FeatureGroupSpec(
        name="applicants",
        record_identifier="id",
        event_time="event_time",
        features=({"name": "id", "type": "String"}, {"name": "event_time", "type": "Fractional"}, {"name": "amount", "type": "Integral"}),
    )
    rows = [{**_row("a", T, 1, T - DAY), "event_time": T.timestamp()}, {**_row("b", T, 2, T - DAY), "event_time": T.timestamp() + 1}]
    assert _amounts(snapshot(rows, group=group)) == {"a": 1}


def test_athena_text_differs_only_in_how_an_event_time_string_is_parsed() -> None:
    athena = snapshot_query('sagemaker_featurestore.loan_applicants_1700000000', GROUP, T, dialect="athena")
    duck = snapshot_query('sagemaker_featurestore.loan_applicants_1700000000', GROUP, T, dialect="duckdb")
    assert "from_iso8601_timestamp('2026-06-01T12:00:00.000Z')" in athena
    assert "\"write_time\" <= TIMESTAMP '2026-06-01 12:00:00.000'" in athena
    normalized = duck.replace('CAST("event_time" AS TIMESTAMPTZ)', 'from_iso8601_timestamp("event_time")')
    normalized = normalized.replace("CAST('2026-06-01T12:00:00.000Z' AS TIMESTAMPTZ)", "from_iso8601_timestamp('2026-06-01T12:00:00.000Z')")
    assert normalized == athena


def test_a_naive_as_of_is_refused() -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        snapshot_query("offline", GROUP, datetime(2026, 6, 1))


def test_as_of_is_quoted_in_utc_to_the_millisecond() -> None:
    assert iso_utc(datetime(2026, 6, 1, 14, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))) == "2026-06-01T12:00:00.123Z"


@pytest.mark.parametrize("table", ['db"; DROP TABLE x; --', "a.b.c", "", "db.ta ble"])
def test_table_names_that_are_not_plain_identifiers_are_refused(table: str) -> None:
    with pytest.raises(ValueError, match="is not a \\[database.\\]table name"):
        quote_table(table)
