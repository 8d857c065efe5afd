"""The transform vocabulary ingestion and the endpoint share, and the fixture's record keys."""

import math

import pandas as pd
import pytest

from pipelines_src.feature_store.transforms import apply_to_record, value
from pipelines_src.model_build.raw_fixture import with_record_keys

RATIO = {"output": "per_month", "function": "ratio", "inputs": ["amount", "months"]}
LOG1P = {"output": "amount_log1p", "function": "log1p", "inputs": ["amount"]}


@pytest.mark.parametrize(
    ("transform", "inputs", "expected"),
    [
        (RATIO, [1200, 12], 100.0),
        (RATIO, [5, 0], None),
        (RATIO, [None, 3], None),
        (RATIO, [float("nan"), 3], None),
        (LOG1P, [0], 0.0),
        (LOG1P, [math.e - 1], 1.0),
        (LOG1P, [-1], None),
    ],
)
def test_each_function_and_its_null_cases(transform, inputs, expected) -> None:
    assert value(transform, inputs) == expected


def test_a_record_gets_every_output_and_keeps_its_values() -> None:
    record = {"amount": 1200.0, "months": 12.0, "purpose": "car (new)"}
    assert apply_to_record(record, [RATIO, LOG1P]) == {**record, "per_month": 100.0, "amount_log1p": math.log1p(1200.0)}


def test_the_wrong_number_of_inputs_is_an_error_naming_the_transform() -> None:
    with pytest.raises(ValueError, match="transform 'per_month': ratio takes 2 input"):
        value(RATIO, [1])


def test_the_fixture_adds_the_same_record_keys_in_front_every_time() -> None:
    frame = pd.DataFrame({"amount": ["1", "2", "3"]})
    keyed = with_record_keys(frame, "applicant_id", "event_time")
    assert list(keyed.columns) == ["applicant_id", "event_time", "amount"]
    assert keyed["applicant_id"].tolist() == ["applicant-000001", "applicant-000002", "applicant-000003"]
    assert keyed["event_time"].tolist() == ["2025-01-01T00:00:00Z", "2025-01-01T08:00:00Z", "2025-01-01T16:00:00Z"]
    pd.testing.assert_frame_equal(with_record_keys(frame, "applicant_id", "event_time"), keyed)
    assert with_record_keys(keyed, "applicant_id", "event_time") is keyed
