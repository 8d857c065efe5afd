"""Preprocess: digest, split, outputs, and where the pseudonymization key comes from (the step
run on applications written to the credit-risk example's contract, which declares PII)."""

import csv
import json

import boto3
import pandas as pd
import pytest
from moto import mock_aws

from pipelines_src.model_build.steps.contract import ContractViolationError
from pipelines_src.model_build.steps.preprocess import (
    LOCAL_DEVELOPMENT_KEY,
    PII_KEY_ENV,
    data_digest,
    main,
    pii_key,
    pseudonymizes,
    split,
)
from tests.pipelines.conftest import conforming_row


def write_rows(path, rows) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def raw_dir(tmp_path, credit_contract):
    """20 conforming applications, 12 good and 8 bad, each with its own e-mail."""
    rows = [
        conforming_row(credit_contract, creditability="good" if number < 12 else "bad", email=f"person{number}@example.com",
                       iban=f"DE0000000000000000{number:04d}", applicant_name=f"Person {number}", credit_amount=str(1000 + number))
        for number in range(20)
    ]
    folder = tmp_path / "raw"
    folder.mkdir()
    write_rows(folder / "applications.csv", rows)
    return folder


@pytest.fixture
def settings_file(tmp_path, credit_settings):
    path = tmp_path / "model_settings.json"
    path.write_text(json.dumps(credit_settings))
    return path


def run_preprocess(settings_file, raw_dir, out, monkeypatch) -> None:
    monkeypatch.setenv(PII_KEY_ENV, "test-key")
    main(["--settings", str(settings_file), "--input-dir", str(raw_dir), "--output-dir", str(out)])


def test_digest_names_each_file_and_changes_with_one_byte(tmp_path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("x\n1\n")
    second.write_text("x\n2\n")
    before = data_digest([second, first])
    assert [entry["file"] for entry in before["files"]] == ["a.csv", "b.csv"]
    assert before == data_digest([first, second])
    second.write_text("x\n3\n")
    assert data_digest([first, second])["digest"] != before["digest"]


def test_split_fractions_are_of_the_whole_and_stratified() -> None:
    frame = pd.DataFrame({"row": range(100)})
    labels = pd.Series([1] * 70 + [0] * 30)
    parts = split(frame, labels, test_fraction=0.2, validation_fraction=0.2, seed=42)
    assert {name: len(part) for name, part in parts.items()} == {"train": 60, "validation": 20, "test": 20}
    assert [labels[part["row"]].mean() for part in parts.values()] == pytest.approx([0.7, 0.7, 0.7])
    assert sorted(pd.concat(parts.values())["row"]) == list(range(100))


def test_split_is_the_same_for_the_same_seed() -> None:
    frame = pd.DataFrame({"row": range(50)})
    labels = pd.Series([1, 0] * 25)
    first = split(frame, labels, test_fraction=0.2, validation_fraction=0.2, seed=7)
    again = split(frame, labels, test_fraction=0.2, validation_fraction=0.2, seed=7)
    assert all(first[name].equals(again[name]) for name in first)


def test_outputs_hold_no_raw_personal_data(settings_file, raw_dir, tmp_path, monkeypatch) -> None:
    out = tmp_path / "out"
    run_preprocess(settings_file, raw_dir, out, monkeypatch)
    written = "".join(path.read_text() for path in out.rglob("*") if path.is_file())
    assert "Person 1" not in written and "DE000000" not in written and "@example.com" not in written


def test_splits_keep_pseudonymized_columns_and_drop_dropped_ones(settings_file, raw_dir, tmp_path, monkeypatch) -> None:
    out = tmp_path / "out"
    run_preprocess(settings_file, raw_dir, out, monkeypatch)
    train = pd.read_csv(out / "splits" / "train.csv")
    assert "email" in train.columns and "iban" not in train.columns and "applicant_name" not in train.columns
    assert train["email"].str.fullmatch(r"[0-9a-f]{64}").all()


def test_training_channels_are_encoded_label_first(settings_file, raw_dir, tmp_path, monkeypatch) -> None:
    out = tmp_path / "out"
    run_preprocess(settings_file, raw_dir, out, monkeypatch)
    encoding = json.loads((out / "metadata" / "encoding.json").read_text())
    rows = [line.split(",") for line in (out / "train" / "train.csv").read_text().splitlines()]
    assert {row[0] for row in rows} == {"0", "1"}
    assert {len(row) for row in rows} == {1 + len(encoding["features"])}


def test_the_report_counts_rows_and_the_pii_handled(settings_file, raw_dir, tmp_path, monkeypatch) -> None:
    out = tmp_path / "out"
    run_preprocess(settings_file, raw_dir, out, monkeypatch)
    report = json.loads((out / "metadata" / "preprocess_report.json").read_text())
    assert report["rows"] == 20
    assert report["pii"] == {"drop": ["applicant_name", "iban"], "pseudonymize": ["email"]}
    assert sum(part["rows"] for part in report["splits"].values()) == 20


def test_a_contract_violation_stops_before_anything_is_written(settings_file, raw_dir, tmp_path, monkeypatch) -> None:
    frame = pd.read_csv(raw_dir / "applications.csv", dtype=str)
    frame.loc[3, "housing"] = "castle"
    frame.to_csv(raw_dir / "applications.csv", index=False)
    out = tmp_path / "out"
    with pytest.raises(ContractViolationError, match="'castle' on line 5"):
        run_preprocess(settings_file, raw_dir, out, monkeypatch)
    assert not out.exists()


def test_violations_of_several_files_name_their_file(settings_file, raw_dir, tmp_path, monkeypatch) -> None:
    frame = pd.read_csv(raw_dir / "applications.csv", dtype=str)
    frame.assign(age_in_years="12").to_csv(raw_dir / "more.csv", index=False)
    with pytest.raises(ContractViolationError) as raised:
        run_preprocess(settings_file, raw_dir, tmp_path / "out", monkeypatch)
    assert raised.value.violations == [
        "more.csv: column 'age_in_years': 20 value(s) below the minimum 18: '12' on line 2, '12' on line 3, "
        "'12' on line 4 and 17 more"
    ]


def test_the_key_comes_from_the_environment_before_the_local_default() -> None:
    assert pii_key(None, {PII_KEY_ENV: "from-env"}) == b"from-env"
    assert pii_key(None, {}) == LOCAL_DEVELOPMENT_KEY.encode()


def test_the_key_comes_from_secrets_manager_when_a_secret_is_named(monkeypatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        boto3.client("secretsmanager").create_secret(Name="mlops/credit-risk/pii-hash-key", SecretString="from-secret")
        assert pii_key("mlops/credit-risk/pii-hash-key", {PII_KEY_ENV: "from-env"}) == b"from-secret"


def test_a_contract_that_pseudonymizes_nothing_reads_no_key(monkeypatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        assert pii_key("mlops/breast-cancer/pii-hash-key", {}, needed=False) == LOCAL_DEVELOPMENT_KEY.encode()


def test_only_a_pseudonymize_rule_needs_the_key(credit_contract) -> None:
    assert pseudonymizes(credit_contract)
    assert not pseudonymizes({**credit_contract, "pii": [{"name": "iban", "action": "drop"}]})
    assert not pseudonymizes({"label": "y", "columns": []})
