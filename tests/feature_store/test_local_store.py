"""The local offline store read as of a time: re-ingesting changes nothing, later writes are
invisible, and a recorded snapshot id reads the same data again."""

from datetime import datetime, timedelta, timezone

import pytest

from pipelines_src.feature_store.ingest import prepare
from pipelines_src.feature_store.local_store import LocalOfflineStore
from pipelines_src.feature_store.snapshot_files import RECORDS_FILE, read_snapshot
from tests.feature_store.conftest import PII_KEY

FIRST = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)


@pytest.fixture()
def records(raw, group, group_contract):
    return prepare(raw, group, group_contract, PII_KEY).records


def test_a_second_ingestion_of_the_same_file_changes_nothing_in_the_snapshot(tmp_path, group, records) -> None:
    store = LocalOfflineStore(tmp_path / "store")
    store.append(group, records, written_at=FIRST)
    once = store.snapshot(group, FIRST + timedelta(hours=1), tmp_path / "once")
    store.append(group, records, written_at=FIRST + timedelta(minutes=30))
    twice = store.snapshot(group, FIRST + timedelta(hours=1), tmp_path / "twice")
    assert store.read_table(group)[0].num_rows == 2 * len(records)
    assert (twice.rows, twice.sha256) == (once.rows, once.sha256) == (len(records), once.sha256)
    assert (tmp_path / "twice" / RECORDS_FILE).read_bytes() == (tmp_path / "once" / RECORDS_FILE).read_bytes()
    assert twice.snapshot_id != once.snapshot_id


def test_records_ingested_after_as_of_are_not_in_the_snapshot(tmp_path, group, records) -> None:
    store = LocalOfflineStore(tmp_path)
    early, late = records.iloc[:600], records.iloc[600:]
    store.append(group, early, written_at=FIRST)
    store.append(group, late, written_at=FIRST + timedelta(days=1))
    before = store.query(group, FIRST + timedelta(hours=12))[0]
    after = store.query(group, FIRST + timedelta(days=2))[0]
    assert sorted(before["applicant_id"]) == sorted(early["applicant_id"])
    assert sorted(after["applicant_id"]) == sorted(records["applicant_id"])


def test_a_correction_ingested_after_as_of_leaves_the_earlier_value(tmp_path, group, records) -> None:
    store = LocalOfflineStore(tmp_path)
    store.append(group, records, written_at=FIRST)
    corrected = records.iloc[:1].assign(credit_amount=records.iloc[0]["credit_amount"] + 1)
    store.append(group, corrected, written_at=FIRST + timedelta(days=1))
    amount = lambda as_of: store.query(group, as_of)[0].set_index("applicant_id").loc[records.iloc[0]["applicant_id"], "credit_amount"]  # noqa: E731
    assert amount(FIRST + timedelta(hours=1)) == records.iloc[0]["credit_amount"]
    assert amount(FIRST + timedelta(days=2)) == records.iloc[0]["credit_amount"] + 1


def test_the_recorded_snapshot_id_reads_the_same_rows_after_more_ingestions(tmp_path, group, records) -> None:
    store = LocalOfflineStore(tmp_path / "store")
    store.append(group, records.iloc[:500], written_at=FIRST)
    as_of = FIRST + timedelta(days=3)
    first = store.snapshot(group, as_of, tmp_path / "first")
    store.append(group, records.iloc[500:], written_at=FIRST + timedelta(days=1))
    again = store.snapshot(group, as_of, tmp_path / "again", snapshot_id=int(first.snapshot_id))
    latest = store.snapshot(group, as_of, tmp_path / "latest")
    assert again.sha256 == first.sha256 and again.rows == 500
    assert latest.rows == len(records)


def test_snapshot_json_records_what_the_lineage_needs(tmp_path, group, records) -> None:
    store = LocalOfflineStore(tmp_path / "store")
    store.append(group, records, written_at=FIRST)
    written = store.snapshot(group, FIRST + timedelta(hours=1), tmp_path / "out")
    read = read_snapshot(tmp_path / "out")
    assert read == written
    assert read.lineage() == {
        "FeatureSnapshotAsOf": "2026-11-01T09:00:00.000Z",
        "FeatureSnapshotQuerySha256": read.query_sha256,
        "FeatureSnapshotId": str(store.read_table(group)[1]),
        "FeatureSnapshotRows": str(len(records)),
        "FeatureSnapshotSha256": read.sha256,
    }
    assert "TIMESTAMP '2026-11-01 09:00:00.000'" in read.query and read.store == "local"


def test_reading_a_group_never_ingested_says_to_ingest_first(tmp_path, group) -> None:
    with pytest.raises(LookupError, match="has no offline table .* ingest first"):
        LocalOfflineStore(tmp_path).snapshot(group, FIRST, tmp_path / "out")
