"""Parsing, checking and encoding of raw records, without a server."""

import json

import numpy as np
import pandas as pd
import pytest

from pipelines_src.model_build.steps.features import FeatureEncoding
from pipelines_src.model_build.steps.package import serving_spec
from pipelines_src.serving import records
from pipelines_src.serving.encoder import RecordEncoder
from pipelines_src.serving.records import RequestError, ServingSpec, parse_request

CONTRACT = {
    "label": "outcome",
    "positive_label": "yes",
    "columns": [
        {"name": "name", "type": "string"},
        {"name": "colour", "type": "string", "allowed_values": ["red", "blue, dark"]},
        {"name": "size", "type": "float", "nullable": True, "minimum": 0},
        {"name": "count", "type": "integer", "maximum": 9},
        {"name": "group", "type": "string", "nullable": True, "allowed_values": ["a", "b"]},
        {"name": "outcome", "type": "string", "allowed_values": ["no", "yes"]},
    ],
    "pii": [{"name": "name", "action": "drop"}],
}
SETTINGS = {"contract": CONTRACT, "sensitive_attributes": [{"column": "group", "group_values": ["a"]}],
            "training": {"exclude_sensitive_attributes": True}}
ENCODING = FeatureEncoding.from_settings(SETTINGS)


@pytest.fixture
def spec() -> ServingSpec:
    return ServingSpec.from_json(json.loads(json.dumps(serving_spec(SETTINGS, ENCODING.to_json(), "exec-1"))))


def test_the_spec_takes_the_contract_order_without_label_and_pii(spec) -> None:
    assert spec.column_names == ["colour", "size", "count", "group"]
    assert spec.pii == ("name",) and spec.sensitive_attributes == ("group",)


def test_the_encoder_matches_the_build_encoding_nulls_included(spec) -> None:
    body = '"blue, dark",,3,a\nred,2.5,0,\n'
    parsed = parse_request(body.encode(), "text/csv; charset=utf-8", spec)
    frame = pd.DataFrame({"colour": ["blue, dark", "red"], "size": [np.nan, 2.5], "count": [3, 0]})
    expected = ENCODING.features(frame)
    assert np.array_equal(RecordEncoder(spec.encoding).encode(parsed), expected, equal_nan=True)


def test_csv_and_json_parse_to_the_same_records(spec) -> None:
    from_csv = parse_request(b"red,1,2,b\n", "text/csv", spec)
    from_json = parse_request(b'{"instances": [{"colour": "red", "size": 1, "count": 2, "group": "b"}]}',
                              "application/json", spec)
    assert from_csv == from_json == [{"colour": "red", "size": 1.0, "count": 2.0, "group": "b"}]


def test_a_missing_json_key_is_a_null(spec) -> None:
    assert parse_request(b'{"instances": [{"colour": "red", "count": 2}]}', "application/json", spec)[0]["size"] is None


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b"red,1,2.0,b", "column 'count': must be an integer, got '2.0'"),
        (b"red,1,10,b", "column 'count': '10' is above the maximum 9"),
        (b"red,-1,1,b", "column 'size': '-1' is below the minimum 0"),
        (b"red,1,,b", "column 'count': is empty but the column is not nullable"),
        (b'red,1,2,"b', "cannot be parsed"),
    ],
)
def test_bad_csv_is_refused_naming_the_column(spec, body, named) -> None:
    with pytest.raises(RequestError, match=named.replace("(", r"\(")) as refused:
        parse_request(body, "text/csv", spec)
    assert refused.value.status == 400


def test_a_bool_is_not_a_number(spec) -> None:
    with pytest.raises(RequestError, match="'count': must be an integer"):
        parse_request(b'{"instances": [{"colour": "red", "size": 1, "count": true}]}', "application/json", spec)


def test_too_many_rows_are_refused_before_scoring(spec, monkeypatch) -> None:
    monkeypatch.setattr(records, "MAX_ROWS", 2)
    with pytest.raises(RequestError) as refused:
        parse_request(b"red,1,1,a\nred,1,1,a\nred,1,1,a\n", "text/csv", spec)
    assert refused.value.status == 413


def test_a_spec_needs_a_version() -> None:
    with pytest.raises(ValueError, match="--model-version"):
        serving_spec(SETTINGS, ENCODING.to_json(), "")
