"""Training–serving consistency: what the endpoint computes from a raw record equals what the
offline store holds for that record, feature by feature, and the model answers the same."""

import json
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
import xgboost as xgb

from pipelines_src.feature_store.local_store import LocalOfflineStore
from pipelines_src.feature_store.snapshot_files import RECORDS_FILE
from pipelines_src.model_build.local_run import RAW_FILE, SNAPSHOT_DIR, STORE_DIR
from pipelines_src.model_build.steps.features import FeatureEncoding
from pipelines_src.model_build.steps.files import read_json
from pipelines_src.model_build.steps.preprocess import input_contract, read_checked
from pipelines_src.serving.handler import load_model, model_inputs, predict
from pipelines_src.serving.local_server import unpack
from pipelines_src.serving.records import JSON, parse_request

RECORDS = 200


@pytest.fixture(scope="module")
def run(local_builds):
    return local_builds.credit_risk()


@pytest.fixture(scope="module")
def served(run, tmp_path_factory):
    return load_model(unpack(run.out / "model" / "model.tar.gz", tmp_path_factory.mktemp("artifact")))


@pytest.fixture(scope="module")
def raw_records(run, served) -> tuple[list[str], list[dict]]:
    """(applicant ids, the raw records a client sends: the contract's input columns as written)."""
    raw = pd.read_csv(run.out / RAW_FILE, dtype=str, keep_default_na=False).head(RECORDS)
    columns = served.spec.column_names
    instances = [{name: (row[name] if served.spec.columns[i].type == "string" else float(row[name]))
                  for i, name in enumerate(columns)} for _, row in raw.iterrows()]
    return list(raw["applicant_id"]), instances


@pytest.fixture(scope="module")
def offline_rows(run, group, raw_records) -> pd.DataFrame:
    rows, _, _ = LocalOfflineStore(run.out / STORE_DIR).query(group, datetime.now(timezone.utc))
    return rows.set_index("applicant_id").loc[raw_records[0]]


def test_the_endpoint_computes_the_offline_stores_values_for_each_record(served, raw_records, offline_rows) -> None:
    checked = parse_request(json.dumps({"instances": raw_records[1]}), JSON, served.spec)
    computed = model_inputs(served.spec, checked)
    encoded_columns = [column["name"] for column in served.spec.encoding]
    assert "credit_amount_log1p" in encoded_columns
    for served_row, (_, stored) in zip(computed, offline_rows.iterrows()):
        assert {name: served_row[name] for name in encoded_columns} == {name: stored[name] for name in encoded_columns}


def test_the_endpoint_encodes_a_raw_record_as_training_encoded_its_snapshot_row(run, served, raw_records, offline_rows) -> None:
    checked = parse_request(json.dumps({"instances": raw_records[1]}), JSON, served.spec)
    at_endpoint = served.encoder.encode(model_inputs(served.spec, checked))
    encoding = FeatureEncoding.from_json(json.loads((run.out / "preprocess" / "metadata" / "encoding.json").read_text()))
    in_training = encoding.features(offline_rows)
    np.testing.assert_array_equal(at_endpoint, in_training)
    np.testing.assert_array_equal(predict(served, checked).probabilities, served.booster.predict(xgb.DMatrix(in_training)))


def test_preprocess_reads_the_snapshot_csv_as_the_store_holds_it(run, offline_rows) -> None:
    settings = read_json(run.out / "model_settings.json")
    contract = input_contract(settings)
    read = read_checked([run.out / SNAPSHOT_DIR / RECORDS_FILE], contract, only_contract_columns=True)
    stored = offline_rows[[rule["name"] for rule in contract["columns"]]].reset_index(drop=True)
    pd.testing.assert_frame_equal(read.head(len(stored)), stored, check_dtype=False, check_exact=True)
