"""The Snapshot step: which as-of time it reads, what it writes for Preprocess and for lineage, and
what it refuses (stubbed SageMaker, Athena and S3 behind the Athena reader)."""

import hashlib
import json
from datetime import datetime, timezone

import pytest

from pipelines_src.feature_store import snapshot_job
from pipelines_src.feature_store.snapshot_job import EXECUTION_START, parse_time, resolve_as_of
from tests.feature_store.athena_stubs import EXECUTION_ID, GROUP, WORKGROUP, Clients

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-30T12:00:00Z", datetime(2026, 11, 30, 12, tzinfo=timezone.utc)),
        ("2026-11-30T12:00Z", datetime(2026, 11, 30, 12, tzinfo=timezone.utc)),
        ("2026-11-30T13:30:00.25+01:30", datetime(2026, 11, 30, 12, 0, 0, 250000, tzinfo=timezone.utc)),
        ("2026-11-30 12:00:00.123456789-0100", datetime(2026, 11, 30, 13, 0, 0, 123456, tzinfo=timezone.utc)),
    ],
)
def test_iso_times_with_a_zone_are_read_in_utc(text, expected) -> None:
    assert parse_time(text, field="--as-of") == expected


def test_an_as_of_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="--as-of '2026-11-30T12:00:00' has no time zone"):
        parse_time("2026-11-30T12:00:00", field="--as-of")


@pytest.mark.parametrize("text", ["yesterday", "2026-11-30", "2026-13-01T00:00:00Z"])
def test_what_is_not_a_time_is_refused_naming_the_argument(text) -> None:
    with pytest.raises(ValueError, match=f"--as-of '{text}' is not"):
        parse_time(text, field="--as-of")


def test_the_default_reads_as_of_the_execution_start_given_in_utc() -> None:
    assert resolve_as_of(EXECUTION_START, "2026-12-01T08:59:30.5", NOW) == datetime(2026, 12, 1, 8, 59, 30, 500000, tzinfo=timezone.utc)


def test_an_as_of_time_given_wins_over_the_execution_start() -> None:
    assert resolve_as_of("2026-06-30T00:00:00Z", "2026-12-01T08:59:30Z", NOW) == datetime(2026, 6, 30, tzinfo=timezone.utc)


def test_the_default_without_an_execution_start_is_refused() -> None:
    with pytest.raises(ValueError, match="needs --execution-start"):
        resolve_as_of(EXECUTION_START, "", NOW)


def test_an_as_of_time_in_the_future_is_refused() -> None:
    with pytest.raises(ValueError, match="is in the future"):
        resolve_as_of("2026-12-01T09:05:00Z", "", NOW)


@pytest.fixture
def settings_file(tmp_path):
    path = tmp_path / "model_settings.json"
    group = GROUP.model_dump(mode="json", include={"name", "record_identifier", "event_time", "features", "transforms"})
    path.write_text(json.dumps({"model_name": "credit-risk", "feature_group": group}))
    return path


def run_job(monkeypatch, clients: Clients, settings_file, out, *arguments: str) -> None:
    monkeypatch.setattr(snapshot_job, "_athena_reader", lambda workgroup: clients.reader())
    snapshot_job.main(
        ["--feature-group", "loan-applicants", "--output-dir", str(out), "--workgroup", WORKGROUP, "--settings", str(settings_file),
         *arguments],
        now=lambda: NOW,
    )


def test_the_snapshot_writes_its_records_and_the_lineage_of_what_it_read(monkeypatch, tmp_path, settings_file) -> None:
    out = tmp_path / "snapshot"
    with Clients() as clients:
        clients.describe()
        clients.start()
        clients.state("SUCCEEDED")
        clients.result()
        run_job(monkeypatch, clients, settings_file, out, "--as-of", "2026-11-30T13:00:00.123456+01:00")

    records = (out / "records.csv").read_bytes()
    assert records.decode().splitlines() == [
        "applicant_id,event_time,credit_amount,creditability",
        "a-1,2026-01-01T00:00:00Z,1200,good",
        "a-2,2026-01-02T00:00:00Z,800,bad",
    ]
    snapshot = json.loads((out / "snapshot.json").read_text())
    assert (snapshot["store"], snapshot["table"], snapshot["feature_group"]) == (
        "athena", "sagemaker_featurestore.loan_applicants_1764500000", "loan-applicants",
    )
    assert {key: snapshot[key] for key in ("as_of", "snapshot_id", "rows", "sha256", "query_sha256")} == {
        "as_of": "2026-11-30T12:00:00.123Z",
        "snapshot_id": EXECUTION_ID,
        "rows": 2,
        "sha256": hashlib.sha256(records).hexdigest(),
        "query_sha256": hashlib.sha256(snapshot["query"].encode()).hexdigest(),
    }


def test_a_model_that_reads_no_feature_group_is_refused(monkeypatch, tmp_path) -> None:
    settings_file = tmp_path / "model_settings.json"
    settings_file.write_text(json.dumps({"model_name": "breast-cancer", "feature_group": None}))

    with Clients() as clients, pytest.raises(ValueError, match="declare no feature_group"):
        run_job(monkeypatch, clients, settings_file, tmp_path / "out")


def test_another_feature_group_than_the_models_is_refused(monkeypatch, tmp_path, settings_file) -> None:
    with Clients() as clients, pytest.raises(ValueError, match="the settings are those of feature group 'loan-applicants'"):
        monkeypatch.setattr(snapshot_job, "_athena_reader", lambda workgroup: clients.reader())
        snapshot_job.main(
            ["--feature-group", "other", "--output-dir", str(tmp_path), "--workgroup", WORKGROUP, "--settings", str(settings_file)]
        )


def test_athena_without_a_workgroup_is_refused(tmp_path, settings_file, capsys) -> None:
    with pytest.raises(SystemExit):
        snapshot_job.main(["--feature-group", "loan-applicants", "--output-dir", str(tmp_path), "--settings", str(settings_file),
                           "--as-of", "2026-11-30T00:00:00Z"], now=lambda: NOW)

    assert "--store athena needs --workgroup" in capsys.readouterr().err
