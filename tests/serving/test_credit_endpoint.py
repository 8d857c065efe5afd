"""The local endpoint of the credit-risk example refuses bad records naming the column, and ignores
its sensitive attributes: written on the example's own columns, PII and attributes."""

import json

import pytest

from tests.serving.conftest import csv_body, post
from tests.serving.test_local_server import assert_refused, typed


@pytest.fixture(scope="module")
def endpoint(credit_endpoint):
    return credit_endpoint


@pytest.fixture(scope="module")
def raw_rows(credit_raw_rows):
    return credit_raw_rows


@pytest.fixture(scope="module")
def spec(credit_spec):
    return credit_spec


def test_sensitive_attributes_are_accepted_but_never_reach_the_model(endpoint, raw_rows, spec) -> None:
    assert spec["sensitive_attributes"] and not set(spec["sensitive_attributes"]) & {
        column["name"] for column in spec["encoding"]
    }
    row = raw_rows[0]
    variants = [dict(row), {**row, "foreign_worker": "no" if row["foreign_worker"] == "yes" else "yes",
                            "age_in_years": "19", "personal_status_and_sex": "male : single"}]
    replies = [post(endpoint, csv_body([variant]), "text/csv").json() for variant in variants]
    assert replies[0]["predictions"] == replies[1]["predictions"]


def test_a_malformed_csv_value_is_refused_naming_its_row_and_column(endpoint, raw_rows) -> None:
    rows = [raw_rows[0], {**raw_rows[1], "credit_amount": "lots"}]
    assert_refused(post(endpoint, csv_body(rows), "text/csv"), 400, "row 2", "'credit_amount'", "'lots'")


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("duration_in_month", 12.5, "must be an integer"),
        ("age_in_years", 7, "below the minimum"),
        ("housing", "castle", "not among the allowed values"),
        ("purpose", None, "not nullable"),
        ("credit_amount", "NaN", "must be a finite number"),
        ("telephone", 1, "must be text"),
    ],
)
def test_a_malformed_json_value_is_refused_naming_its_column(endpoint, raw_rows, spec, column, value, problem) -> None:
    record = {**typed(raw_rows[0], spec), column: value}
    reply = post(endpoint, json.dumps({"instances": [record]}).encode(), "application/json")
    assert_refused(reply, 400, f"'{column}'", problem)


def test_pii_columns_are_refused_by_name(endpoint, raw_rows, spec) -> None:
    record = {**typed(raw_rows[0], spec), "iban": "DE00 0000"}
    assert_refused(post(endpoint, json.dumps({"instances": [record]}).encode(), "application/json"), 400, "PII", "'iban'")


def test_unknown_columns_and_the_label_are_refused_by_name(endpoint, raw_rows, spec) -> None:
    record = {**typed(raw_rows[0], spec), "favourite_colour": "blue", "creditability": "good"}
    reply = post(endpoint, json.dumps({"instances": [record]}).encode(), "application/json")
    assert_refused(reply, 400, "unknown column", "'favourite_colour'", "'creditability'", "is the label")


def test_a_csv_row_with_another_column_count_is_refused_with_the_expected_columns(endpoint, raw_rows) -> None:
    body = csv_body([raw_rows[0]]).rstrip(b"\n") + b",extra\n"
    assert_refused(post(endpoint, body, "text/csv"), 400, "row 1 has 21 values", "expected 20", "status_of_existing")
