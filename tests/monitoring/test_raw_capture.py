"""Capture files of the raw-record endpoint: what the drift job keeps per captured row."""

import base64
import json

import numpy as np

from pipelines_src.monitoring.capture import read_capture_lines

COLUMNS = ["purpose", "credit_amount", "foreign_worker"]


def line(body: str, content_type: str, answer: str, answer_type: str, *, inference_id: str | None, time: str,
         base64_input: bool = False) -> bytes:
    data = base64.b64encode(body.encode()).decode() if base64_input else body
    metadata = {"eventId": f"event-of-{inference_id}", "inferenceTime": time}
    if inference_id is not None:
        metadata["inferenceId"] = inference_id
    return json.dumps({
        "captureData": {
            "endpointInput": {"observedContentType": content_type, "mode": "INPUT", "data": data,
                              "encoding": "BASE64" if base64_input else content_type.split("/")[1].upper()},
            "endpointOutput": {"observedContentType": answer_type, "mode": "OUTPUT", "data": answer,
                               "encoding": answer_type.split("/")[1].upper()},
        },
        "eventMetadata": metadata,
        "eventVersion": "0",
    }).encode()


def json_answer(version: str, *probabilities: float) -> str:
    return json.dumps({"predictions": [{"probability": p} for p in probabilities], "model_version": version})


LINES = [
    line("car (new),2400,yes\nbusiness,900,no\n", "text/csv", json_answer("exec-1", 0.2, 0.7), "application/json",
         inference_id="req-1", time="2026-11-20T09:00:01Z"),
    line(json.dumps({"instances": [{"purpose": "radio/television", "credit_amount": 1200, "foreign_worker": "no"}]}),
         "application/json", json_answer("exec-2", 0.9), "application/json", inference_id="req-2",
         time="2026-11-20T09:00:02Z", base64_input=True),
    line('"furniture/equipment",3000,yes\n', "text/csv", "0.4,exec-2\n", "text/csv", inference_id=None,
         time="2026-11-20T09:00:03Z"),
]


def test_raw_csv_and_json_records_keep_their_columns_and_sensitive_attributes() -> None:
    window = read_capture_lines(LINES, COLUMNS, string_columns={"purpose", "foreign_worker"})
    assert window.malformed_records == 0
    frame = window.frame
    assert sorted(frame["purpose"].astype(str)) == sorted(["car (new)", "business", "radio/television", "furniture/equipment"])
    assert sorted(frame["foreign_worker"].astype(str)) == ["no", "no", "yes", "yes"]
    assert sorted(frame["credit_amount"].astype(float)) == [900.0, 1200.0, 2400.0, 3000.0]


def test_each_row_keeps_its_probability_version_inference_id_and_time() -> None:
    window = read_capture_lines(LINES, COLUMNS, string_columns={"purpose", "foreign_worker"})
    rows = sorted(zip(window.frame["credit_amount"].astype(float), window.predictions, window.versions,
                      window.inference_ids, window.capture_times))
    assert rows == [
        (900.0, 0.7, "exec-1", "req-1", "2026-11-20T09:00:01Z"),
        (1200.0, 0.9, "exec-2", "req-2", "2026-11-20T09:00:02Z"),
        (2400.0, 0.2, "exec-1", "req-1", "2026-11-20T09:00:01Z"),
        (3000.0, 0.4, "exec-2", None, "2026-11-20T09:00:03Z"),
    ]
    assert window.records_without_prediction == 0


def test_a_plain_csv_answer_of_several_rows_has_no_version() -> None:
    window = read_capture_lines(
        [line("car (new),1,yes\nbusiness,2,no\n", "text/csv", "0.1,0.2", "text/csv", inference_id="r", time="t")],
        COLUMNS, string_columns={"purpose", "foreign_worker"})
    assert np.allclose(window.predictions, [0.1, 0.2])
    assert list(window.versions) == [None, None]


def test_fairness_is_judged_from_the_captured_sensitive_attributes_without_ground_truth(credit) -> None:
    from tests.monitoring.traffic import window_report

    report = window_report(credit, credit.test)

    by_attribute = {result.attribute: result for result in report.fairness}
    assert set(by_attribute) == {attribute["column"] for attribute in credit.settings.sensitive_attributes}
    foreign = by_attribute["foreign_worker"]
    assert foreign.facet_d_rows == int((credit.test["foreign_worker"] == "yes").sum())
    assert foreign.facet_a_rows == int((credit.test["foreign_worker"] == "no").sum())
    age = by_attribute["age_in_years"]
    assert age.facet_d_rows + age.facet_a_rows == len(credit.test)
