"""The capture reader: SageMaker data-capture JSON lines in, rows with predictions out; bad lines counted."""

import base64
import json
from pathlib import Path

import numpy as np
import pytest

from pipelines_src.monitoring.capture import capture_files, read_capture, read_capture_lines

COLUMNS = ["amount", "purpose", "age"]


def line(data, *, output="0.9", content_type="text/csv", encoding="CSV", output_type="text/csv",
         event_id="e1", time="2026-11-20T09:30:00Z", **metadata) -> bytes:
    capture = {"endpointInput": {"observedContentType": content_type, "mode": "INPUT", "data": data,
                                 "encoding": encoding}}
    if output is not None:
        capture["endpointOutput"] = {"observedContentType": output_type, "mode": "OUTPUT", "data": output,
                                     "encoding": "JSON" if "json" in output_type else "CSV"}
    record = {"captureData": capture, "eventMetadata": {"eventId": event_id, "inferenceTime": time, **metadata},
              "eventVersion": "0"}
    return json.dumps(record).encode()


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def read(lines, **options):
    return read_capture_lines(lines, COLUMNS, string_columns={"purpose"}, **options)


def test_a_csv_record_becomes_one_row_with_its_prediction_and_event_id() -> None:
    window = read([line("1200,car,35", output="0.25", event_id="abc")])

    assert window.frame.to_dict("records") == [{"amount": 1200, "purpose": "car", "age": 35}]
    assert window.predictions.tolist() == [0.25]
    assert window.record_keys.tolist() == ["abc"]


def test_an_inference_id_names_the_record_instead_of_the_event_id() -> None:
    window = read([line("1200,car,35", event_id="event", inferenceId="inference")])

    assert window.record_keys.tolist() == ["inference"]


def test_a_record_with_several_csv_rows_gives_each_row_its_own_prediction_and_position() -> None:
    window = read([line("1200,car,35\n800,tv,22\n", output="0.1\n0.7")])

    assert window.frame["amount"].tolist() == [1200, 800]
    assert window.predictions.tolist() == [0.1, 0.7]
    assert window.row_positions.tolist() == [0, 1]
    assert window.records == 1


def test_base64_input_and_output_are_decoded() -> None:
    record = json.loads(line(b64("1200,car,35"), encoding="BASE64"))
    record["captureData"]["endpointOutput"].update(data=b64("0.4"), encoding="BASE64")

    window = read([json.dumps(record).encode()])

    assert window.frame.iloc[0].tolist() == [1200, "car", 35]
    assert window.predictions.tolist() == [0.4]


def test_a_quoted_csv_value_may_contain_the_delimiter() -> None:
    window = read([line('2000,"yes, registered",41')])

    assert window.frame["purpose"].tolist() == ["yes, registered"]


@pytest.mark.parametrize(
    ("payload", "output"),
    [
        ({"instances": [{"features": [1200, "car", 35]}, {"features": [800, "tv", 22]}]}, {"predictions": [{"score": 0.1}, {"score": 0.7}]}),
        ({"instances": [[1200, "car", 35], [800, "tv", 22]]}, [0.1, 0.7]),
        ([{"amount": 1200, "purpose": "car", "age": 35}, {"amount": 800, "purpose": "tv", "age": 22}], {"predictions": [0.1, 0.7]}),
    ],
    ids=["instances-of-features", "instances-of-lists", "list-of-objects"],
)
def test_json_payloads_in_the_shapes_sagemaker_accepts_are_read(payload, output) -> None:
    window = read([line(json.dumps(payload), content_type="application/json", encoding="JSON",
                        output=json.dumps(output), output_type="application/json")])

    assert window.frame[COLUMNS].to_dict("records") == [
        {"amount": 1200, "purpose": "car", "age": 35}, {"amount": 800, "purpose": "tv", "age": 22}
    ]
    assert window.predictions.tolist() == [0.1, 0.7]


def test_json_lines_payloads_give_one_row_per_line() -> None:
    payload = '{"features": [1200, "car", 35]}\n{"features": [800, "tv", 22]}'

    window = read([line(payload, content_type="application/jsonlines", encoding="JSON", output="0.1\n0.7")])

    assert window.frame["age"].tolist() == [35, 22]


def test_a_json_object_without_a_feature_reports_the_column_missing_and_extra_keys_extra() -> None:
    payload = json.dumps({"amount": 1200, "purpose": "car", "colour": "red"})

    window = read([line(payload, content_type="application/json", encoding="JSON")])

    assert window.missing_columns == ("age",)
    assert window.extra_columns == ("colour",)
    assert np.isnan(window.frame["age"].iloc[0])


def test_a_string_column_keeps_values_that_look_like_numbers_as_text() -> None:
    window = read([line("1200,1,35")])

    assert window.frame["purpose"].tolist() == ["1"]


@pytest.mark.parametrize("value", ["NA", "None", "null", "n/a"])
def test_only_an_empty_cell_is_missing_not_words_pandas_would_take_for_null(value: str) -> None:
    window = read([line(f"1200,{value},35"), line("800,,22")])

    assert window.frame["purpose"].tolist()[0] == value
    assert window.frame["purpose"].isna().tolist() == [False, True]


GOOD = line("1200,car,35")
TRUNCATED = GOOD[: len(GOOD) // 2]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (TRUNCATED, "invalid_json"),
        (b"\xff\xfe not utf-8", "invalid_json"),
        (b'{"eventVersion": "0"}', "invalid_json"),
        (line("not base64 at all!", encoding="BASE64"), "bad_base64"),
        (line("1200,car", output="0.3"), "wrong_column_count"),
        (line("1200,car,35,extra"), "wrong_column_count"),
        (line("1200,car,35\n800,tv"), "wrong_column_count"),
        (line("1200,car,35", content_type="application/x-parquet"), "unsupported_content_type"),
        (line("1200,car,35", encoding="GZIP"), "unsupported_encoding"),
        (line('1200,"car,35'), "bad_payload"),
        (line("{not json", content_type="application/json", encoding="JSON"), "bad_payload"),
        (line("", output=None), "bad_payload"),
        (json.dumps({"captureData": {}, "eventMetadata": {}}).encode(), "missing_input"),
    ],
    ids=["truncated", "not-utf8", "no-capture-data", "bad-base64", "too-few-columns", "too-many-columns",
         "one-bad-row-of-two", "unsupported-type", "unsupported-encoding", "unbalanced-quote", "bad-json-payload",
         "empty-payload", "no-input"],
)
def test_a_malformed_line_is_counted_by_reason_and_the_other_lines_are_still_read(bad: bytes, reason: str) -> None:
    window = read([GOOD, bad, line("800,tv,22")])

    assert dict(window.malformed) == {reason: 1}
    assert window.frame["amount"].tolist() == [1200, 800]
    assert window.records == 2


def test_a_record_whose_output_cannot_be_read_keeps_its_inputs_without_a_prediction() -> None:
    window = read([line("1200,car,35", output="oops"), line("800,tv,22\n900,car,30", output="0.5")])

    assert window.rows == 3
    assert np.isnan(window.predictions).all()
    assert window.records_without_prediction == 2
    assert window.malformed_records == 0


def test_a_capture_without_output_keeps_its_inputs() -> None:
    window = read([line("1200,car,35", output=None)])

    assert window.rows == 1
    assert np.isnan(window.predictions[0])


def test_records_outside_the_window_are_counted_and_skipped() -> None:
    lines = [line("1200,car,35", time="2026-11-20T08:59:59Z"), line("800,tv,22", time="2026-11-20T09:00:00Z"),
             line("900,car,30", time="2026-11-20T10:00:00Z")]

    window = read(lines, window=("2026-11-20T09:00:00", "2026-11-20T10:00:00"))

    assert window.frame["amount"].tolist() == [800]
    assert window.outside_window == 2


def test_an_empty_file_is_counted_and_nothing_is_read_from_it(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "blank.jsonl").write_bytes(b"\n\n")

    window = read_capture(capture_files(tmp_path), COLUMNS)

    assert (window.files, window.empty_files, window.rows, window.malformed_records) == (2, 2, 0, 0)
    assert list(window.frame.columns) == COLUMNS


def test_capture_files_are_found_at_any_depth_in_time_order(tmp_path: Path) -> None:
    later = tmp_path / "AllTraffic" / "2026" / "11" / "20" / "10" / "b.jsonl"
    earlier = tmp_path / "AllTraffic" / "2026" / "11" / "20" / "09" / "z.jsonl"
    for path in (later, earlier):
        path.parent.mkdir(parents=True)
        path.write_bytes(GOOD + b"\n")
    (tmp_path / "notes.txt").write_text("not capture")

    assert capture_files(tmp_path) == [earlier, later]
