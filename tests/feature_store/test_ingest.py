"""Ingestion's checks: bad rows quarantined with their reason, PII removed the build's way,
transforms added, and a run above the bad-row rate refused whole."""

import math
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from pipelines_src.feature_store.ingest import QUARANTINE_REASON, SOURCE_LINE, BadRowRateError, prepare
from pipelines_src.feature_store.local_store import LocalOfflineStore
from pipelines_src.model_build.local_run import ingest_fixture
from pipelines_src.model_build.steps.contract import ContractViolationError
from pipelines_src.model_build.steps.pii import pseudonym
from tests.feature_store.conftest import PII_KEY


def test_good_rows_become_the_groups_records_in_feature_order(raw, group, group_contract) -> None:
    prepared = prepare(raw, group, group_contract, PII_KEY)
    assert list(prepared.records.columns) == [feature.name for feature in group.features]
    assert len(prepared.records) == len(raw) and prepared.quarantined.empty
    assert prepared.report["rows_ingested"] == len(raw) and prepared.report["bad_row_rate"] == 0.0


def test_pii_is_removed_as_the_contract_says_before_anything_is_kept(raw, group, group_contract) -> None:
    email = dict(zip(raw["applicant_id"], raw["email"]))
    spec = group.model_dump()
    spec["features"] = (*spec["features"], {"name": "email", "type": "String", "description": ""})
    group_with_email = type(group).model_validate(spec)
    records = prepare(raw, group_with_email, group_contract, PII_KEY).records
    assert "applicant_name" not in records.columns and "iban" not in records.columns
    first = records.iloc[0]
    assert first["email"] == pseudonym(email[first["applicant_id"]], PII_KEY)


def test_transforms_are_computed_from_the_checked_values(raw, group, group_contract) -> None:
    records = prepare(raw, group, group_contract, PII_KEY).records
    assert records["credit_amount_log1p"].tolist() == [math.log1p(amount) for amount in records["credit_amount"]]


def _break(raw: pd.DataFrame, rows: dict[int, dict[str, str | None]]) -> pd.DataFrame:
    broken = raw.copy()
    for row, cells in rows.items():
        for column, value in cells.items():
            broken.loc[row, column] = value
    return broken


def test_a_bad_row_is_quarantined_with_every_reason_and_its_line(raw, group, group_contract) -> None:
    broken = _break(raw, {4: {"age_in_years": "17", "purpose": "yacht"}, 7: {"event_time": "yesterday"}})
    prepared = prepare(broken, group.model_copy(update={"max_bad_row_rate": 0.01}), group_contract, PII_KEY)
    reasons = dict(zip(prepared.quarantined[SOURCE_LINE], prepared.quarantined[QUARANTINE_REASON]))
    assert reasons == {
        6: "column 'purpose': not among the allowed values; column 'age_in_years': below the minimum 18",
        9: "column 'event_time': not an ISO-8601 UTC time such as 2026-01-31T12:00:00Z",
    }
    assert len(prepared.records) == len(raw) - 2
    assert set(prepared.records["applicant_id"]).isdisjoint({raw.loc[4, "applicant_id"], raw.loc[7, "applicant_id"]})
    assert prepared.report["rows_quarantined"] == 2


def test_the_quarantine_holds_no_raw_personal_data(raw, group, group_contract) -> None:
    prepared = prepare(_break(raw, {3: {"age_in_years": "200"}}), group, group_contract, PII_KEY)
    quarantined = prepared.quarantined.iloc[0]
    assert "applicant_name" not in prepared.quarantined.columns and "iban" not in prepared.quarantined.columns
    assert quarantined["email"] == pseudonym(raw.loc[3, "email"], PII_KEY)


def test_a_missing_record_identifier_is_a_bad_row(raw, group, group_contract) -> None:
    prepared = prepare(_break(raw, {0: {"applicant_id": None}}), group, group_contract, PII_KEY)
    assert prepared.quarantined[QUARANTINE_REASON].tolist() == ["column 'applicant_id': empty but not nullable"]


def test_above_the_bad_row_rate_the_run_fails_naming_the_reasons(raw, group, group_contract) -> None:
    broken = _break(raw, {row: {"duration_in_month": "0"} for row in range(11)})  # 1.1% of 1000 rows
    with pytest.raises(BadRowRateError, match=r"11 of 1000 rows are bad \(1\.10%\), above max_bad_row_rate 1\.00%") as raised:
        prepare(broken, group, group_contract, PII_KEY)
    assert "column 'duration_in_month': below the minimum 1 (11 row(s))" in str(raised.value)
    assert len(prepare(_break(raw, {row: {"duration_in_month": "0"} for row in range(10)}), group, group_contract, PII_KEY).quarantined) == 10


def test_a_failed_run_writes_nothing_to_the_store_or_the_quarantine(tmp_path, raw_file: Path, group) -> None:
    frame = pd.read_csv(raw_file, dtype=str, keep_default_na=False)
    frame.loc[:49, "age_in_years"] = "12"
    broken = tmp_path / "raw.csv"
    frame.to_csv(broken, index=False)
    store = LocalOfflineStore(tmp_path / "store")
    with pytest.raises(BadRowRateError):
        ingest_fixture(broken, group, store, tmp_path / "ingestion")
    assert not (tmp_path / "ingestion").exists()
    with pytest.raises(LookupError, match="ingest first"):
        store.read_table(group)


def test_a_header_that_breaks_the_contract_is_refused_whole(raw, group, group_contract) -> None:
    with pytest.raises(ContractViolationError, match=r"missing columns: \['purpose'\]"):
        prepare(raw.drop(columns=["purpose"]), group, group_contract, PII_KEY)
    with pytest.raises(ContractViolationError, match=r"unexpected columns \(not in the contract\): \['shoe_size'\]"):
        prepare(raw.assign(shoe_size="42"), group, group_contract, PII_KEY)


def test_the_written_rows_carry_the_ingestion_time(tmp_path, raw, group, group_contract) -> None:
    store = LocalOfflineStore(tmp_path)
    written = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)
    store.append(group, prepare(raw.head(5), group, group_contract, PII_KEY).records, written_at=written)
    rows, _ = store.read_table(group)
    assert set(rows.column("write_time").to_pylist()) == {written.replace(tzinfo=None)}
    assert rows.column("is_deleted").to_pylist() == [False] * 5
