"""The local twin of each model's endpoint: raw records in, the batch evaluation's probabilities out, refusals named."""

import json
from typing import Any

import numpy as np
import pytest

from pipelines_src.model_build.steps.features import FeatureEncoding
from pipelines_src.model_build.steps.files import read_json
from pipelines_src.model_build.steps.model_artifact import load_booster, predict_scores
from tests.serving.conftest import csv_body, post

TOLERANCE = 1e-6


def typed(row: dict[str, str], spec: dict[str, Any]) -> dict[str, Any]:
    """A raw row as a JSON client writes it: numbers as numbers."""
    kinds = {column["name"]: column["type"] for column in spec["columns"]}
    convert = {"string": str, "integer": int, "float": float}
    return {name: convert[kinds[name]](value) for name, value in row.items()}


@pytest.fixture(scope="module")
def batch_scores(build, test_split) -> np.ndarray:
    """The Evaluate step's scores of the test split, from the same artifact."""
    encoding = FeatureEncoding.from_json(read_json(build / "preprocess" / "metadata" / "encoding.json"))
    return predict_scores(load_booster(build / "model"), encoding.features(test_split))


def test_raw_csv_rows_get_the_batch_evaluation_probabilities(endpoint, raw_rows, batch_scores) -> None:
    reply = post(endpoint, csv_body(raw_rows), "text/csv")
    assert reply.status == 200, reply.body
    probabilities = np.array([item["probability"] for item in reply.json()["predictions"]])
    assert len(probabilities) == len(batch_scores)
    assert np.max(np.abs(probabilities - batch_scores)) <= TOLERANCE


def test_raw_json_records_get_the_batch_evaluation_probabilities(endpoint, raw_rows, spec, batch_scores) -> None:
    body = json.dumps({"instances": [typed(row, spec) for row in raw_rows]}).encode()
    reply = post(endpoint, body, "application/json")
    assert reply.status == 200, reply.body
    probabilities = np.array([item["probability"] for item in reply.json()["predictions"]])
    assert np.max(np.abs(probabilities - batch_scores)) <= TOLERANCE


def test_single_rows_answer_as_in_a_batch(endpoint, raw_rows, batch_scores) -> None:
    for position in (0, 7, len(raw_rows) - 1):
        reply = post(endpoint, csv_body([raw_rows[position]]), "text/csv")
        assert abs(reply.json()["predictions"][0]["probability"] - batch_scores[position]) <= TOLERANCE


def test_every_response_names_the_version_of_the_artifact(endpoint, raw_rows, build) -> None:
    version = json.loads((build / "registration_request.json").read_text())["CustomerMetadataProperties"]["ModelVersion"]
    reply = post(endpoint, csv_body(raw_rows[:2]), "text/csv")
    assert reply.json()["model_version"] == version


def test_csv_answers_carry_probability_then_version_per_row(endpoint, raw_rows, batch_scores, spec) -> None:
    reply = post(endpoint, csv_body(raw_rows[:3]), "text/csv", accept="text/csv")
    assert reply.status == 200 and reply.content_type == "text/csv"
    lines = [line.split(",") for line in reply.body.decode().splitlines()]
    assert [version for _, version in lines] == [spec["model_version"]] * 3
    assert np.allclose([float(probability) for probability, _ in lines], batch_scores[:3], atol=TOLERANCE, rtol=0)


def assert_refused(reply, status: int, *named: str) -> None:
    assert reply.status == status, reply.body
    message = reply.json()["error"]
    for text in named:
        assert text in message, message


@pytest.mark.parametrize(
    ("body", "content_type", "status", "named"),
    [
        (b"\xff\xfe", "text/csv", 400, "UTF-8"),
        (b'{"instances": [', "application/json", 400, "cannot be parsed"),
        (b'[{"a": 1}]', "application/json", 400, '"instances"'),
        (b"", "text/csv", 400, "no rows"),
        (b"a,b", "application/x-parquet", 415, "not supported"),
    ],
)
def test_bodies_that_are_not_records_are_refused(endpoint, body, content_type, status, named) -> None:
    assert_refused(post(endpoint, body, content_type), status, named)


def test_an_unacceptable_accept_is_refused(endpoint, raw_rows) -> None:
    assert_refused(post(endpoint, csv_body(raw_rows[:1]), "text/csv", accept="application/x-protobuf"), 406, "Accept")


def test_the_server_keeps_answering_after_refusals(endpoint, raw_rows) -> None:
    post(endpoint, b"\x00garbage", "text/csv")
    assert post(endpoint, csv_body(raw_rows[:1]), "text/csv").status == 200


def test_the_server_listens_on_loopback_only(endpoint) -> None:
    assert endpoint.server_address[0] == "127.0.0.1"


def test_the_smoke_test_samples_pass_the_smoke_tests_response_check(endpoint, model_name) -> None:
    from tests.lambda_handlers import load_handler

    load_handler("smoke_test")
    from endpoint_probe import ACCEPT, CONTENT_TYPE, response_error

    from tests.smoke_samples import sample_file

    payloads = sample_file(model_name).read_text().splitlines()[:200]
    errors = {response_error(post(endpoint, payload.encode(), CONTENT_TYPE, ACCEPT).body.decode()) for payload in payloads}
    assert errors == {None}
