"""`make pipeline-local` for a model with a feature group: ingestion, a point-in-time snapshot,
a build on it as good as the raw-CSV build, and the snapshot's lineage on the registration."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from pipelines_src.feature_store.ingest import prepare
from pipelines_src.feature_store.local_store import LocalOfflineStore
from pipelines_src.feature_store.snapshot_files import read_snapshot
from pipelines_src.model_build.local_run import INGESTION_DIR, SNAPSHOT_DIR, STORE_DIR, run_local
from pipelines_src.model_build.steps.preprocess import REPORT_FILE
from tests.models_under_test import CREDIT_RISK
from tests.synth import DEFAULT_CONFIG_PATH

AUC_TOLERANCE = 0.005


def _auc(run) -> float:
    evaluation = json.loads((run.out / "evaluation" / "evaluation.json").read_text())
    return evaluation["binary_classification_metrics"]["auc"]["value"]


@pytest.fixture(scope="module")
def feature_store_run(local_builds):
    return local_builds.credit_risk()


@pytest.fixture(scope="module")
def csv_run(tmp_path_factory):
    return run_local(DEFAULT_CONFIG_PATH, CREDIT_RISK, tmp_path_factory.mktemp("csv"), source="csv", log=lambda _: None)


def test_the_build_from_the_snapshot_matches_the_csv_builds_auc(feature_store_run, csv_run) -> None:
    from_snapshot, from_csv = _auc(feature_store_run), _auc(csv_run)
    print(f"AUC from the feature store snapshot {from_snapshot:.4f}, from the raw CSV {from_csv:.4f}")
    assert from_snapshot == pytest.approx(from_csv, abs=AUC_TOLERANCE)
    assert feature_store_run.passed and csv_run.passed


def test_preprocess_trains_on_the_snapshot_with_the_transform_and_without_the_record_keys(feature_store_run) -> None:
    report = json.loads((feature_store_run.out / "preprocess" / "metadata" / REPORT_FILE).read_text())
    encoding = json.loads((feature_store_run.out / "preprocess" / "metadata" / "encoding.json").read_text())
    assert report["source"] == "feature_group_snapshot"
    assert report["rows"] == read_snapshot(feature_store_run.out / SNAPSHOT_DIR).rows == 1000
    assert "credit_amount_log1p" in encoding["features"]
    assert not {"applicant_id", "event_time"} & set(report["columns"])


def test_the_registration_carries_the_snapshots_lineage(feature_store_run) -> None:
    metadata = feature_store_run.registration["CustomerMetadataProperties"]
    snapshot = read_snapshot(feature_store_run.out / SNAPSHOT_DIR)
    assert {key: metadata[key] for key in snapshot.lineage()} == snapshot.lineage()
    assert metadata["FeatureSnapshotRows"] == "1000"


def test_the_ingestion_report_and_no_quarantine_for_the_bundled_data(feature_store_run) -> None:
    report = json.loads((feature_store_run.out / INGESTION_DIR / "report.json").read_text())
    assert (report["rows_read"], report["rows_ingested"], report["rows_quarantined"]) == (1000, 1000, 0)
    assert not (feature_store_run.out / INGESTION_DIR / "quarantine.csv").exists()


def test_records_ingested_after_as_of_are_not_in_the_training_set(tmp_path, raw, group, group_contract) -> None:
    # An earlier ingestion holds 400 applicants; the run ingests all 1000 now but reads as of a
    # time between the two ingestions.
    earlier = datetime.now(timezone.utc) - timedelta(days=2)
    records = prepare(raw, group, group_contract, b"unused").records
    LocalOfflineStore(tmp_path / STORE_DIR).append(group, records.iloc[:400], written_at=earlier)
    run = run_local(DEFAULT_CONFIG_PATH, CREDIT_RISK, tmp_path, as_of=earlier + timedelta(hours=1), log=lambda _: None)
    report = json.loads((run.out / "preprocess" / "metadata" / REPORT_FILE).read_text())
    assert json.loads((run.out / INGESTION_DIR / "report.json").read_text())["rows_ingested"] == 1000
    assert report["rows"] == 400
    assert sum(part["rows"] for part in report["splits"].values()) == 400
    assert read_snapshot(run.out / SNAPSHOT_DIR).rows == 400


def test_a_second_run_ingests_the_file_again_and_trains_on_the_same_snapshot(tmp_path, group) -> None:
    first = run_local(DEFAULT_CONFIG_PATH, CREDIT_RISK, tmp_path, log=lambda _: None).registration["CustomerMetadataProperties"]
    second = run_local(DEFAULT_CONFIG_PATH, CREDIT_RISK, tmp_path, log=lambda _: None).registration["CustomerMetadataProperties"]
    rows, _ = LocalOfflineStore(tmp_path / STORE_DIR).read_table(group)
    assert rows.num_rows == 2000
    assert (second["FeatureSnapshotSha256"], second["FeatureSnapshotRows"], second["DataDigest"]) == (
        first["FeatureSnapshotSha256"], first["FeatureSnapshotRows"], first["DataDigest"]
    )
    assert second["FeatureSnapshotId"] != first["FeatureSnapshotId"]
