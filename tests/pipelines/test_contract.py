"""The data contract check: every violation named, with the field and the offending values
(written on the credit-risk example's contract)."""

import pandas as pd
import pytest

from pipelines_src.model_build.steps.contract import ContractViolationError, check, conform, read_raw, violations
from tests.pipelines.conftest import conforming_row, raw_frame


@pytest.fixture
def contract(credit_contract):
    """The checks below are written on the credit-risk example's columns and values."""
    return credit_contract


def only_violation(contract, rows) -> str:
    found = violations(raw_frame(contract, rows), contract)
    assert len(found) == 1, found
    return found[0]


def test_a_conforming_frame_has_no_violation(contract) -> None:
    assert violations(raw_frame(contract, [conforming_row(contract, creditability="good"),
                                           conforming_row(contract, creditability="bad")]), contract) == []


def test_a_missing_column_is_named(contract) -> None:
    frame = raw_frame(contract, [conforming_row(contract), conforming_row(contract, creditability="good")]).drop(columns=["purpose"])
    assert violations(frame, contract) == ["missing columns: ['purpose']"]


def test_an_unexpected_column_is_named(contract) -> None:
    rows = [conforming_row(contract, shoe_size="42"), conforming_row(contract, shoe_size="43", creditability="good")]
    assert only_violation(contract, rows) == "unexpected columns (not in the contract): ['shoe_size']"


def test_a_column_twice_in_the_header_is_named(contract, tmp_path) -> None:
    row = conforming_row(contract)
    header = ",".join([*row, "housing"])
    values = ",".join([f'"{value}"' for value in row.values()] + ['"own"'])
    path = tmp_path / "twice.csv"
    path.write_text(f"{header}\n{values}\n")
    assert "columns appear more than once in the header: ['housing']" in violations(read_raw(path), contract)


def test_empty_data_is_reported(contract) -> None:
    frame = pd.DataFrame(columns=[rule["name"] for rule in contract["columns"]])
    assert violations(frame, contract) == ["no data rows"]


def test_an_empty_value_in_a_non_nullable_column_gives_its_line(contract) -> None:
    rows = [conforming_row(contract), conforming_row(contract, job="", creditability="good")]
    assert only_violation(contract, rows) == "column 'job': 1 empty value(s) but the column is not nullable (line(s) 3)"


def test_text_in_an_integer_column_is_quoted_with_its_line(contract) -> None:
    rows = [conforming_row(contract, credit_amount="lots"), conforming_row(contract, creditability="good")]
    assert only_violation(contract, rows) == "column 'credit_amount': 1 value(s) are not an integer: 'lots' on line 2"


def test_a_fraction_in_an_integer_column_is_not_an_integer(contract) -> None:
    rows = [conforming_row(contract, duration_in_month="12.5"), conforming_row(contract, creditability="good")]
    assert only_violation(contract, rows) == "column 'duration_in_month': 1 value(s) are not an integer: '12.5' on line 2"


def test_text_in_a_float_column_is_not_a_number() -> None:
    contract = {
        "label": "y",
        "positive_label": "yes",
        "columns": [{"name": "score", "type": "float"}, {"name": "y", "type": "string", "allowed_values": ["no", "yes"]}],
        "pii": [],
    }
    frame = pd.DataFrame({"score": ["0.5", "high"], "y": ["no", "yes"]}, dtype=object)
    assert violations(frame, contract) == ["column 'score': 1 value(s) are not a number: 'high' on line 3"]


def test_a_category_outside_the_allowed_values_is_quoted(contract) -> None:
    rows = [conforming_row(contract, housing="castle"), conforming_row(contract, creditability="good")]
    assert only_violation(contract, rows) == "column 'housing': 1 value(s) not among the allowed values: 'castle' on line 2"


def test_a_value_below_the_minimum_names_the_bound(contract) -> None:
    rows = [conforming_row(contract, age_in_years="12"), conforming_row(contract, creditability="good")]
    assert only_violation(contract, rows) == "column 'age_in_years': 1 value(s) below the minimum 18: '12' on line 2"


def test_a_value_above_the_maximum_names_the_bound(contract) -> None:
    rows = [conforming_row(contract, installment_rate_in_percentage_of_disposable_income="9"),
            conforming_row(contract, creditability="good")]
    assert only_violation(contract, rows) == (
        "column 'installment_rate_in_percentage_of_disposable_income': 1 value(s) above the maximum 4: '9' on line 2"
    )


def test_labels_without_the_positive_label_are_reported(contract) -> None:
    rows = [conforming_row(contract, creditability="bad"), conforming_row(contract, creditability="bad")]
    assert only_violation(contract, rows) == "label 'creditability': no row has the positive label 'good' (found ['bad'])"


def test_labels_of_one_class_are_reported(contract) -> None:
    rows = [conforming_row(contract, creditability="good"), conforming_row(contract, creditability="good")]
    assert only_violation(contract, rows) == "label 'creditability': every row is 'good'; a classifier needs both outcomes"


def test_many_examples_are_cut_to_three_and_counted(contract) -> None:
    rows = [conforming_row(contract, housing=f"hut {number}") for number in range(5)] + [
        conforming_row(contract, creditability="good")
    ]
    assert only_violation(contract, rows) == (
        "column 'housing': 5 value(s) not among the allowed values: 'hut 0' on line 2, 'hut 1' on line 3, "
        "'hut 2' on line 4 and 2 more"
    )


def test_check_reports_every_violation_at_once(contract) -> None:
    rows = [conforming_row(contract, housing="castle", age_in_years="12"), conforming_row(contract, job="", creditability="good")]
    with pytest.raises(ContractViolationError) as raised:
        check(raw_frame(contract, rows), contract, "applications.csv")
    message = str(raised.value)
    assert message.startswith("data contract violated by applications.csv (3 problem(s)):")
    assert len(raised.value.violations) == 3
    assert all(f"  - {violation}" in message for violation in raised.value.violations)


def test_check_types_a_conforming_frame(contract) -> None:
    rows = [conforming_row(contract, age_in_years="30"), conforming_row(contract, age_in_years="40", creditability="good")]
    typed = check(raw_frame(contract, rows), contract, "applications.csv")
    assert typed["age_in_years"].tolist() == [30, 40]
    assert str(typed["age_in_years"].dtype) == "int64"
    assert list(typed.columns) == [rule["name"] for rule in contract["columns"]]


def test_a_label_outside_its_allowed_values_is_quoted(contract) -> None:
    assert contract["columns"][-1]["name"] == contract["label"]
    rows = [conforming_row(contract, creditability="good"), conforming_row(contract, creditability="maybe")]
    assert only_violation(contract, rows) == "column 'creditability': 1 value(s) not among the allowed values: 'maybe' on line 3"


def test_a_minimum_of_zero_is_enforced(contract) -> None:
    rule = next(rule for rule in contract["columns"] if rule["name"] == "number_of_people_being_liable_to_provide_maintenance_for")
    assert rule["minimum"] == 0
    rows = [conforming_row(contract, number_of_people_being_liable_to_provide_maintenance_for="-1"),
            conforming_row(contract, creditability="good")]
    assert only_violation(contract, rows) == (
        "column 'number_of_people_being_liable_to_provide_maintenance_for': 1 value(s) below the minimum 0: '-1' on line 2"
    )


def test_read_raw_keeps_every_cell_as_text_and_empty_cells_as_null(tmp_path) -> None:
    path = tmp_path / "raw.csv"
    path.write_text('age,name,age\n"007","Ann, B",\n12,,x\n')

    frame = read_raw(path)

    assert list(frame.columns) == ["age", "name", "age"]
    assert frame.values.tolist() == [["007", "Ann, B", None], ["12", None, "x"]]


def test_read_raw_of_an_empty_file_is_an_empty_frame(tmp_path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")

    assert read_raw(path).empty


def test_exactly_three_examples_are_quoted_without_more(contract) -> None:
    rows = [conforming_row(contract, housing=f"hut {number}") for number in range(3)] + [
        conforming_row(contract, creditability="good"),
    ]
    assert only_violation(contract, rows).endswith("'hut 2' on line 4")


def test_empty_lines_beyond_three_are_counted(contract) -> None:
    rows = [conforming_row(contract, job="") for _ in range(4)] + [conforming_row(contract, creditability="good")]
    assert only_violation(contract, rows) == (
        "column 'job': 4 empty value(s) but the column is not nullable (line(s) 2, 3, 4 and 1 more)"
    )
    rows = [conforming_row(contract, job="") for _ in range(3)] + [conforming_row(contract, creditability="good")]
    assert only_violation(contract, rows).endswith("(line(s) 2, 3, 4)")


def test_a_violation_error_names_its_source_and_lists_each_problem_on_its_own_line() -> None:
    error = ContractViolationError("raw.csv", ["first", "second"])

    assert (error.source, error.violations) == ("raw.csv", ["first", "second"])
    assert str(error) == "data contract violated by raw.csv (2 problem(s)):\n  - first\n  - second"


def test_conform_keeps_the_row_index_and_types_nullable_columns() -> None:
    contract = {"columns": [
        {"name": "count", "type": "integer", "nullable": True},
        {"name": "whole", "type": "integer"},
        {"name": "share", "type": "float"},
        {"name": "label", "type": "string", "nullable": True},
    ]}
    frame = pd.DataFrame({"count": ["1", None], "whole": ["2", "3"], "share": ["0.5", "1"], "label": ["a", None]},
                         index=[7, 9], dtype=object)

    typed = conform(frame, contract)

    assert list(typed.index) == [7, 9]
    assert [str(dtype) for dtype in typed.dtypes] == ["float64", "int64", "float64", "object"]
    assert typed["label"].tolist() == ["a", None]
    with pytest.raises(ValueError):
        conform(pd.DataFrame({"count": ["x"], "whole": ["1"], "share": ["1"], "label": ["a"]}, dtype=object), contract)


def test_empty_cells_are_allowed_only_in_columns_declared_nullable() -> None:
    contract = {"label": "y", "positive_label": "1", "columns": [
        {"name": "note", "type": "string", "nullable": True},
        {"name": "code", "type": "string"},
        {"name": "y", "type": "string"},
    ]}
    frame = pd.DataFrame({"note": [None, "a"], "code": [None, "b"], "y": ["1", "0"]}, dtype=object)

    assert violations(frame, contract) == ["column 'code': 1 empty value(s) but the column is not nullable (line(s) 2)"]


def test_a_missing_label_column_is_named_once(contract) -> None:
    frame = raw_frame(contract, [conforming_row(contract), conforming_row(contract, creditability="good")])

    assert violations(frame.drop(columns=["creditability"]), contract) == ["missing columns: ['creditability']"]


def test_read_raw_keeps_line_breaks_inside_quoted_cells_as_written(tmp_path) -> None:
    path = tmp_path / "raw.csv"
    path.write_bytes(b'name,note\r\n"Ann","first\r\nsecond"\r\n')

    assert read_raw(path).values.tolist() == [["Ann", "first\r\nsecond"]]


def test_read_raw_of_a_header_without_rows_has_the_columns_and_no_row(tmp_path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("age,name\n")

    frame = read_raw(path)

    assert (list(frame.columns), len(frame)) == (["age", "name"], 0)
