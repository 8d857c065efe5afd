"""Read the JSON-lines files SageMaker endpoint data capture writes.

Each line is one captured request::

    {"captureData": {"endpointInput":  {"observedContentType": "text/csv", "mode": "INPUT",
                                        "data": "...", "encoding": "CSV" | "BASE64" | "JSON"},
                     "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", ...}},
     "eventMetadata": {"eventId": "...", "inferenceId": "...", "inferenceTime": "2026-11-20T09:15:02Z"},
     "eventVersion": "0"}

``capture_payload`` decodes the input's rows (CSV columns are ``columns``, the contract's
input columns, in order) and the output's probabilities and ``model_version``.

Per row, ``CaptureWindow`` keeps the raw input columns (sensitive attributes included,
as sent), the probability, the ``model_version`` of the response, the
``eventMetadata.inferenceId`` and the capture time (``eventMetadata.inferenceTime``).

Files are streamed line by line; only the payload rows are kept, and CSV rows
are parsed by pandas in one pass at the end. A line that cannot be used is
counted under its reason (``capture_payload.MALFORMED_REASONS``) and skipped; a record whose
output cannot be read keeps its inputs and is counted in
``records_without_prediction``. Nothing in a capture file makes the reader raise.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from pipelines_src.monitoring.capture_payload import Malformed, csv_rows, json_rows, output_values, payload

CAPTURE_SUFFIX = ".jsonl"


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
            except Malformed as malformed:
                result.malformed[malformed.reason] += 1
        if empty:
            result.empty_files += 1

    def _record(self, line: bytes) -> None:
        try:
            record = json.loads(line)
            capture = record["captureData"]
        except (ValueError, TypeError, KeyError):
            raise Malformed("invalid_json") from None
        metadata = record.get("eventMetadata") or {}
        if not isinstance(metadata, dict):
            metadata = {}
        if self.bounds is not None:
            time = metadata.get("inferenceTime")
            if isinstance(time, str) and not self.bounds[0] <= time[:19] < self.bounds[1]:
                self.window.outside_window += 1
                return
        if not isinstance(capture, dict):
            raise Malformed("missing_input")
        content_type, text = payload(capture.get("endpointInput"), required=True)
        key = metadata.get("inferenceId") or metadata.get("eventId")
        if "csv" in content_type:
            rows = csv_rows(text, len(self.columns))
            target, meta = self.csv_rows, self.csv_meta
        elif "json" in content_type:
            rows = json_rows(text, len(self.columns), lines="jsonlines" in content_type)
            target, meta = self.json_rows, self.json_meta
        else:
            raise Malformed("unsupported_content_type")
        predictions, version = self._predictions(capture.get("endpointOutput"), len(rows))
        inference_id = metadata.get("inferenceId")
        time = metadata.get("inferenceTime")
        target.extend(rows)
        meta.extend(
            _RowMeta(key, position, predictions[position], version, inference_id, time if isinstance(time, str) else None)
            for position in range(len(rows))
        )
        self.window.records += 1

    def _predictions(self, output: Any, rows: int) -> Tuple[List[float], Optional[str]]:
        try:
            content_type, text = payload(output, required=False)
            values, version = output_values(content_type, text)
        except Malformed:
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
        body = "\n".join(self.csv_rows).encode("utf-8")
        self.csv_rows.clear()
        # Only empty cells are missing: pandas would otherwise read values such as "NA" or "None" as null.
        frame = pd.read_csv(io.BytesIO(body), header=None, names=self.columns, dtype=dtypes,
                            skip_blank_lines=False, keep_default_na=False, na_values=[""])
        # csv_rows checked every row; a mismatch here would misalign rows and predictions.
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

