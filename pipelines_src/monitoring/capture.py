"""Read the JSON-lines files SageMaker endpoint data capture writes.

Each line is one captured request::

    {"captureData": {"endpointInput":  {"observedContentType": "text/csv", "mode": "INPUT",
                                        "data": "...", "encoding": "CSV" | "BASE64" | "JSON"},
                     "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", ...}},
     "eventMetadata": {"eventId": "...", "inferenceId": "...", "inferenceTime": "2026-11-20T09:15:02Z"},
     "eventVersion": "0"}

Inputs are what the endpoint received: raw records (``pipelines_src.serving``), CSV (no
header; the columns are ``columns``, the contract's input columns, in order), JSON
(``{"instances": [{column: value}, ...]}``; also lists in ``columns`` order or
``{"features": [...]}``) or JSON lines, base64-encoded when ``encoding`` says
``BASE64``; one request may hold several rows. The output is one probability per input
row, with the version that answered: the endpoint's JSON ``{"predictions":
[{"probability": p}], "model_version": v}`` or CSV lines ``p,v`` (also plain numbers,
``{"score": p}``, without a version).

Per row, ``CaptureWindow`` keeps the raw input columns (sensitive attributes included,
as sent), the probability, the ``model_version`` of the response, the
``eventMetadata.inferenceId`` and the capture time (``eventMetadata.inferenceTime``).

Files are streamed line by line; only the payload rows are kept, and CSV rows
are parsed by pandas in one pass at the end. A line that cannot be used is
counted under its reason (``MALFORMED_REASONS``) and skipped; a record whose
output cannot be read keeps its inputs and is counted in
``records_without_prediction``. Nothing in a capture file makes the reader raise.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

MALFORMED_REASONS = (
    "invalid_json",  # the line is not JSON (e.g. a file truncated mid-line) or not UTF-8
    "missing_input",  # no captureData.endpointInput.data
    "bad_base64",  # encoding BASE64 but the data does not decode
    "unsupported_encoding",
    "unsupported_content_type",
    "bad_payload",  # a JSON payload that holds no rows, or a CSV row with unbalanced quotes
    "wrong_column_count",  # a row with more or fewer values than there are columns
)
CAPTURE_SUFFIX = ".jsonl"
# Row keys of JSON objects SageMaker's built-in algorithms accept.
_JSON_ROW_KEYS = ("instances", "features")
_JSON_SCORE_KEYS = ("score", "probability")


@dataclass
class CaptureWindow:
    """The rows captured in a window, with one prediction and one record key per row.

    ``frame`` has one column per expected column (string columns as categories;
    numeric ones as read, so a non-number makes the column ``object``) and, from
    JSON objects, any unexpected key (listed in ``extra_columns``).
    """

    frame: pd.DataFrame
    predictions: np.ndarray
    record_keys: np.ndarray
    row_positions: np.ndarray
    # Per row: the response's model_version, eventMetadata.inferenceId and inferenceTime (None when absent).
    versions: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    inference_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    capture_times: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    files: int = 0
    empty_files: int = 0
    records: int = 0
    outside_window: int = 0
    records_without_prediction: int = 0
    malformed: Counter = field(default_factory=Counter)
    extra_columns: Tuple[str, ...] = ()
    missing_columns: Tuple[str, ...] = ()
    # Per column, values present but unusable (quality.typed_columns counts type mismatches too).
    invalid_values: Dict[str, int] = field(default_factory=dict)

    @property
    def malformed_records(self) -> int:
        return sum(self.malformed.values())

    @property
    def rows(self) -> int:
        return len(self.frame)


@dataclass(frozen=True)
class _RowMeta:
    key: Any
    position: int
    prediction: float
    version: Optional[str]
    inference_id: Optional[str]
    time: Optional[str]


class _Malformed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def capture_files(folder: Union[str, Path]) -> List[Path]:
    """The capture files below ``folder`` (any depth), in path order, which is time order
    in SageMaker's ``<variant>/yyyy/mm/dd/hh/`` layout."""
    return sorted(path for path in Path(folder).rglob(f"*{CAPTURE_SUFFIX}") if path.is_file())


def read_capture(
    paths: Iterable[Union[str, Path]],
    columns: Sequence[str],
    *,
    string_columns: Collection[str] = (),
    window: Optional[Tuple[str, str]] = None,
) -> CaptureWindow:
    """Read capture files into a ``CaptureWindow``.

    ``window`` is ``(start, end)`` as ``YYYY-MM-DDTHH:MM:SS`` (UTC): records whose
    ``inferenceTime`` falls outside ``[start, end)`` are counted in ``outside_window``
    and skipped; records without a time are kept.
    """
    reader = _Reader(list(columns), set(string_columns), window)
    for path in paths:
        with Path(path).open("rb") as lines:
            reader.read_lines(lines)
    return reader.finish()


def read_capture_lines(
    lines: Iterable[bytes],
    columns: Sequence[str],
    *,
    string_columns: Collection[str] = (),
    window: Optional[Tuple[str, str]] = None,
) -> CaptureWindow:
    """``read_capture`` of one file's lines, already in memory."""
    reader = _Reader(list(columns), set(string_columns), window)
    reader.read_lines(lines)
    return reader.finish()


class _Reader:
    def __init__(self, columns: List[str], string_columns: set, window: Optional[Tuple[str, str]]) -> None:
        self.columns = columns
        self.string_columns = string_columns
        self.bounds = window
        self.csv_rows: List[str] = []
        self.csv_meta: List[_RowMeta] = []
        self.json_rows: List[Union[list, dict]] = []
        self.json_meta: List[_RowMeta] = []
        # Counters fill in while reading; finish() sets the frame and the per-row arrays.
        self.window = CaptureWindow(frame=pd.DataFrame(), predictions=np.empty(0), record_keys=np.empty(0),
                                    row_positions=np.empty(0))

    def read_lines(self, lines: Iterable[bytes]) -> None:
        """Read one file's lines."""
        result = self.window
        result.files += 1
        empty = True
        for line in lines:
            if not line.strip():
                continue
            empty = False
            try:
                self._record(line)
            except _Malformed as malformed:
                result.malformed[malformed.reason] += 1
        if empty:
            result.empty_files += 1

    def _record(self, line: bytes) -> None:
        try:
            record = json.loads(line)
            capture = record["captureData"]
        except (ValueError, TypeError, KeyError):
            raise _Malformed("invalid_json") from None
        metadata = record.get("eventMetadata") or {}
        if not isinstance(metadata, dict):
            metadata = {}
        if self.bounds is not None:
            time = metadata.get("inferenceTime")
            if isinstance(time, str) and not self.bounds[0] <= time[:19] < self.bounds[1]:
                self.window.outside_window += 1
                return
        if not isinstance(capture, dict):
            raise _Malformed("missing_input")
        content_type, text = _payload(capture.get("endpointInput"), required=True)
        key = metadata.get("inferenceId") or metadata.get("eventId")
        if "csv" in content_type:
            rows = self._csv_rows(text)
            target, meta = self.csv_rows, self.csv_meta
        elif "json" in content_type:
            rows = self._json_rows(text, lines="jsonlines" in content_type)
            target, meta = self.json_rows, self.json_meta
        else:
            raise _Malformed("unsupported_content_type")
        predictions, version = self._predictions(capture.get("endpointOutput"), len(rows))
        inference_id = metadata.get("inferenceId")
        time = metadata.get("inferenceTime")
        target.extend(rows)
        meta.extend(
            _RowMeta(key, position, predictions[position], version, inference_id, time if isinstance(time, str) else None)
            for position in range(len(rows))
        )
        self.window.records += 1

    def _csv_rows(self, text: str) -> List[str]:
        rows = [row for row in text.splitlines() if row.strip()]
        if not rows:
            raise _Malformed("bad_payload")
        expected = len(self.columns)
        for row in rows:
            if '"' in row:
                try:
                    count = len(next(csv.reader([row], strict=True)))
                except csv.Error:
                    raise _Malformed("bad_payload") from None
            else:
                count = row.count(",") + 1
            if count != expected:
                raise _Malformed("wrong_column_count")
        return rows

    def _json_rows(self, text: str, *, lines: bool) -> List[Union[list, dict]]:
        try:
            documents = [json.loads(line) for line in text.splitlines() if line.strip()] if lines else [json.loads(text)]
        except ValueError:
            raise _Malformed("bad_payload") from None
        rows: List[Union[list, dict]] = []
        for document in documents:
            rows.extend(_json_document_rows(document))
        if not rows:
            raise _Malformed("bad_payload")
        for row in rows:
            if isinstance(row, list) and len(row) != len(self.columns):
                raise _Malformed("wrong_column_count")
        return rows

    def _predictions(self, output: Any, rows: int) -> Tuple[List[float], Optional[str]]:
        try:
            content_type, text = _payload(output, required=False)
            values, version = _output_values(content_type, text)
        except _Malformed:
            values, version = [], None
        if len(values) != rows:
            self.window.records_without_prediction += 1
            return [float("nan")] * rows, version
        return values, version

    def finish(self) -> CaptureWindow:
        result = self.window
        frames, metadata = [], []
        if self.csv_rows:
            frames.append(self._csv_frame())
            metadata.extend(self.csv_meta)
        if self.json_rows:
            frames.append(self._json_frame())
            metadata.extend(self.json_meta)
        frame = pd.concat(frames, ignore_index=True, sort=False) if len(frames) > 1 else (
            frames[0] if frames else pd.DataFrame(columns=self.columns)
        )
        seen = set(frame.columns)
        result.missing_columns = tuple(column for column in self.columns if column not in seen)
        result.extra_columns = tuple(column for column in frame.columns if column not in set(self.columns))
        for column in result.missing_columns:
            frame[column] = np.nan
        result.frame = frame[self.columns + list(result.extra_columns)]
        result.record_keys = np.array([row.key for row in metadata], dtype=object)
        result.row_positions = np.array([row.position for row in metadata], dtype=np.int64)
        result.predictions = np.array([row.prediction for row in metadata], dtype=float)
        result.versions = np.array([row.version for row in metadata], dtype=object)
        result.inference_ids = np.array([row.inference_id for row in metadata], dtype=object)
        result.capture_times = np.array([row.time for row in metadata], dtype=object)
        return result

    def _csv_frame(self) -> pd.DataFrame:
        # As text first: dtype "category" alone lets pandas parse categories that look like numbers.
        dtypes = {column: str for column in self.columns if column in self.string_columns}
        # Bytes, not StringIO (which holds text as 4-byte code points), and the row strings
        # released before parsing: both keep the peak memory near the size of the capture.
        expected = len(self.csv_rows)
        payload = "\n".join(self.csv_rows).encode("utf-8")
        self.csv_rows.clear()
        # Only empty cells are missing: pandas would otherwise read values such as "NA" or "None" as null.
        frame = pd.read_csv(io.BytesIO(payload), header=None, names=self.columns, dtype=dtypes,
                            skip_blank_lines=False, keep_default_na=False, na_values=[""])
        # Every row was checked above; a mismatch here would misalign rows and predictions.
        if len(frame) != expected:
            raise RuntimeError(f"pandas read {len(frame)} CSV rows out of {expected}")
        return frame.astype({column: "category" for column in dtypes})

    def _json_frame(self) -> pd.DataFrame:
        records = [row if isinstance(row, dict) else dict(zip(self.columns, row)) for row in self.json_rows]
        frame = pd.DataFrame.from_records(records)
        for column in self.columns:
            if column in self.string_columns and column in frame:
                frame[column] = frame[column].map(lambda value: value if value is None else str(value))
        return frame


def _payload(part: Any, *, required: bool) -> Tuple[str, str]:
    """The content type and decoded text of an endpointInput/endpointOutput."""
    if not isinstance(part, dict) or not isinstance(part.get("data"), str):
        raise _Malformed("missing_input" if required else "missing_output")
    encoding = str(part.get("encoding", "")).upper()
    data = part["data"]
    if encoding == "BASE64":
        try:
            data = base64.b64decode(data, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise _Malformed("bad_base64") from None
    elif encoding not in ("CSV", "JSON"):
        raise _Malformed("unsupported_encoding")
    return str(part.get("observedContentType", "")).lower(), data


def _json_document_rows(document: Any) -> List[Union[list, dict]]:
    if isinstance(document, dict):
        for key in _JSON_ROW_KEYS:
            if key in document:
                inner = document[key]
                # {"features": [...]} is one row; {"instances": [...]} a list of rows.
                return [inner] if key == "features" and _is_flat(inner) else _json_document_rows(inner)
        return [document]
    if isinstance(document, list):
        if _is_flat(document):
            return [document] if document else []
        rows: List[Union[list, dict]] = []
        for item in document:
            rows.extend(_json_document_rows(item))
        return rows
    return []


def _is_flat(values: Any) -> bool:
    return isinstance(values, list) and not any(isinstance(value, (list, dict)) for value in values)


def _output_values(content_type: str, text: str) -> Tuple[List[float], Optional[str]]:
    """The probabilities of a response, and the model_version it names (None when it names none)."""
    try:
        if "json" in content_type:
            documents = [json.loads(line) for line in text.splitlines() if line.strip()] \
                if "jsonlines" in content_type else [json.loads(text)]
            values: List[float] = []
            versions = set()
            for document in documents:
                values.extend(_json_scores(document))
                if isinstance(document, dict) and isinstance(document.get("model_version"), str):
                    versions.add(document["model_version"])
            return values, _one(versions)
        lines = [line.split(",") for line in text.splitlines() if line.strip()]
        if lines and all(len(line) == 2 and not _is_number(line[1]) for line in lines):
            # The endpoint's CSV answer: "<probability>,<model_version>" per row.
            return [float(probability) for probability, _ in lines], _one({version.strip() for _, version in lines})
        return [float(value) for value in text.replace("\n", ",").split(",") if value.strip()], None
    except (ValueError, TypeError):
        return [], None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _one(versions: set) -> Optional[str]:
    """The version when a response names exactly one (one request is answered by one version)."""
    return next(iter(versions)) if len(versions) == 1 else None


def _json_scores(document: Any) -> List[float]:
    if isinstance(document, dict):
        if "predictions" in document:
            return _json_scores(document["predictions"])
        for key in _JSON_SCORE_KEYS:
            if key in document:
                return [float(document[key])]
        raise ValueError("no score in output object")
    if isinstance(document, list):
        scores: List[float] = []
        for item in document:
            scores.extend(_json_scores(item))
        return scores
    return [float(document)]
