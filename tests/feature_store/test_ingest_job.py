"""The ingestion job end to end on the credit-risk example's feature group: its settings file as the
ingestion pipeline ships it, raw files in, PutRecord calls (stubbed) and the quarantine out."""

import csv
import math
import json

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws

from pipelines_src.feature_store import ingest_job
from pipelines_src.feature_store.cloud_writer import FeatureStoreWriter, client_config
from pipelines_src.feature_store.ingest import BadRowRateError
from pipelines_src.model_build.steps.contract import ContractViolationError
from platform_config import load_config
from tests.pipelines.conftest import conforming_row
from tests.synth import DEFAULT_CONFIG_PATH

SECRET = "mlops/feature-groups/loan-applicants/pii-hash-key"


@pytest.fixture(scope="module")
def spec():
    return next(group for group in load_config(DEFAULT_CONFIG_PATH).feature_groups if group.name == "loan-applicants")


@pytest.fixture
def settings_file(tmp_path, spec):
    # As stacks/components/ingestion_code.py writes it.
    path = tmp_path / "feature_group_settings.json"
    path.write_text(json.dumps({"feature_group": spec.model_dump(mode="json")}))
    return path


def raw_row(spec, number: int, **overrides: str) -> dict[str, str]:
    contract = spec.data_contract.model_dump(mode="json")
    return conforming_row(
        contract, applicant_id=f"a-{number}", event_time="2026-01-01T00:00:00Z", credit_amount=str(1000 + number),
        applicant_name=f"Person {number}", iban=f"DE00{number:018d}", email=f"person{number}@example.com", **overrides,
    )


def write_csv(path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def runtime(monkeypatch):
    """The job's Feature Store runtime client, stubbed: every call must be expected."""
    client = boto3.client(
        "sagemaker-featurestore-runtime", region_name="eu-west-1", aws_access_key_id="testing",
        aws_secret_access_key="testing", config=client_config(),
    )
    # One worker: the Stubber answers calls in the order it was given them.
    monkeypatch.setattr(
        ingest_job, "_feature_store_writer",
        lambda group: FeatureStoreWriter(client, group.name, group.record_identifier, max_workers=1),
    )
    with Stubber(client) as stub:
        yield stub


def run_job(tmp_path, settings_file, *extra: str) -> None:
    with mock_aws():
        boto3.client("secretsmanager", region_name="eu-west-1").create_secret(Name=SECRET, SecretString="ingestion-key")
        ingest_job.main([
            "--feature-group", "loan-applicants", "--config-file", str(settings_file), "--input-dir", str(tmp_path / "raw"),
            "--quarantine-dir", str(tmp_path / "quarantine"), "--pii-key-secret-id", SECRET, *extra,
        ])


@pytest.fixture(autouse=True)
def region(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")


def test_good_rows_are_put_as_the_groups_features_without_pii(tmp_path, settings_file, spec, runtime) -> None:
    rows = [raw_row(spec, number) for number in range(200)]
    write_csv(tmp_path / "raw" / "applications.csv", rows)
    for _ in rows:
        runtime.add_response("put_record", {})
    requests = []
    runtime.client.meta.events.register("provide-client-params.*.PutRecord", lambda params, **_: requests.append(params))

    run_job(tmp_path, settings_file)

    runtime.assert_no_pending_responses()
    first = {item["FeatureName"]: item["ValueAsString"] for item in requests[0]["Record"]}
    assert [item["FeatureName"] for item in requests[0]["Record"]] == [feature.name for feature in spec.features]
    assert not {"applicant_name", "iban", "email"} & set(first)
    assert (first["applicant_id"], first["credit_amount"], first["credit_amount_log1p"]) == ("a-0", "1000", repr(math.log1p(1000)))
    assert {request["FeatureGroupName"] for request in requests} == {"loan-applicants"}
    report = json.loads((tmp_path / "quarantine" / "report.json").read_text())
    assert (report["rows_read"], report["records_written"], report["rows_quarantined"]) == (200, 200, 0)
    assert not (tmp_path / "quarantine" / "quarantine.csv").exists()


def test_a_bad_row_is_quarantined_with_its_reason_and_the_rest_written(tmp_path, settings_file, spec, runtime) -> None:
    rows = [raw_row(spec, number) for number in range(199)] + [raw_row(spec, 199, housing="castle")]
    write_csv(tmp_path / "raw" / "applications.csv", rows)
    for _ in range(199):
        runtime.add_response("put_record", {})

    run_job(tmp_path, settings_file)

    with (tmp_path / "quarantine" / "quarantine.csv").open() as handle:
        quarantined = list(csv.DictReader(handle))
    assert [row["applicant_id"] for row in quarantined] == ["a-199"]
    assert "column 'housing'" in quarantined[0]["quarantine_reason"]
    report = json.loads((tmp_path / "quarantine" / "report.json").read_text())
    assert (report["records_written"], report["rows_quarantined"]) == (199, 1)


def test_above_the_bad_row_rate_nothing_is_written_anywhere(tmp_path, settings_file, spec, runtime) -> None:
    rows = [raw_row(spec, number) for number in range(98)] + [raw_row(spec, number, housing="castle") for number in (98, 99)]
    write_csv(tmp_path / "raw" / "applications.csv", rows)

    with pytest.raises(BadRowRateError, match="2 of 100 rows are bad"):
        run_job(tmp_path, settings_file)

    assert not (tmp_path / "quarantine").exists()


def test_rows_of_all_files_are_ingested_in_one_run(tmp_path, settings_file, spec, runtime) -> None:
    write_csv(tmp_path / "raw" / "monday.csv", [raw_row(spec, number) for number in range(100)])
    write_csv(tmp_path / "raw" / "tuesday.csv", [raw_row(spec, number) for number in range(100, 150)])
    for _ in range(150):
        runtime.add_response("put_record", {})

    run_job(tmp_path, settings_file)

    assert json.loads((tmp_path / "quarantine" / "report.json").read_text())["records_written"] == 150


def test_files_with_different_headers_are_refused_naming_the_file(tmp_path, settings_file, spec, runtime) -> None:
    write_csv(tmp_path / "raw" / "monday.csv", [raw_row(spec, 1)])
    write_csv(tmp_path / "raw" / "tuesday.csv", [{name: value for name, value in raw_row(spec, 2).items() if name != "iban"}])

    with pytest.raises(ContractViolationError, match="tuesday.csv: header"):
        run_job(tmp_path, settings_file)


def test_the_settings_of_another_feature_group_are_refused(tmp_path, spec) -> None:
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(json.dumps({"feature_group": {**spec.model_dump(mode="json"), "name": "other-group"}}))

    with pytest.raises(ValueError, match="--feature-group 'loan-applicants': the settings are those of feature group 'other-group'"):
        run_job(tmp_path, settings_file)


def test_a_feature_group_without_a_data_contract_is_refused(tmp_path, spec) -> None:
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(json.dumps({"feature_group": {**spec.model_dump(mode="json"), "data_contract": None}}))

    with pytest.raises(ValueError, match="'loan-applicants' declares no data_contract"):
        run_job(tmp_path, settings_file)


def test_the_pseudonymization_key_comes_from_the_secret_named(tmp_path, settings_file, spec, runtime) -> None:
    write_csv(tmp_path / "raw" / "applications.csv", [raw_row(spec, 1)])

    with mock_aws(), pytest.raises(ClientError, match="ResourceNotFoundException"):
        ingest_job.main([
            "--feature-group", "loan-applicants", "--config-file", str(settings_file), "--input-dir", str(tmp_path / "raw"),
            "--quarantine-dir", str(tmp_path / "quarantine"), "--pii-key-secret-id", "mlops/feature-groups/missing/pii-hash-key",
        ])


def snapshot_as_of_now(tmp_path, spec, store) -> bytes:
    from datetime import datetime, timezone

    from pipelines_src.feature_store import snapshot_job

    settings = tmp_path / "model_settings.json"
    settings.write_text(json.dumps({"feature_group": spec.model_dump(mode="json")}))
    out = tmp_path / "snapshot"
    snapshot_job.main([
        "--feature-group", "loan-applicants", "--as-of", datetime.now(timezone.utc).isoformat(), "--output-dir", str(out),
        "--store", f"local:{store}", "--settings", str(settings),
    ])
    return (out / "records.csv").read_bytes()


def test_the_local_store_takes_the_same_records_and_a_second_ingestion_changes_no_snapshot(tmp_path, settings_file, spec) -> None:
    store = tmp_path / "store"
    write_csv(tmp_path / "raw" / "applications.csv", [raw_row(spec, number) for number in range(100)])

    run_job(tmp_path, settings_file, "--store", f"local:{store}")
    first = snapshot_as_of_now(tmp_path, spec, store)
    run_job(tmp_path, settings_file, "--store", f"local:{store}")
    second = snapshot_as_of_now(tmp_path, spec, store)

    lines = first.decode().splitlines()
    assert lines[0].split(",") == [feature.name for feature in spec.features]
    assert len(lines) == 101 and lines[1].startswith("a-0,2026-01-01T00:00:00Z,")
    assert second == first


@pytest.mark.parametrize("store", ["local:", "s3", "athena"])
def test_a_store_that_is_not_one_is_refused(tmp_path, settings_file, store, capsys) -> None:
    with pytest.raises(SystemExit):
        run_job(tmp_path, settings_file, "--store", store)

    assert "is neither 'featurestore' nor local:<folder>" in capsys.readouterr().err
