"""Write synthetic endpoint traffic in SageMaker's data-capture and ground-truth formats.

For local runs, tests and benchmarks: ``requests`` takes the raw input columns the
endpoint receives from a frame, ``write_capture_files`` turns a frame of model
inputs (columns in the endpoint's order) and the endpoint's answers into
JSON-lines files laid out as SageMaker writes them
(``<variant>/yyyy/mm/dd/hh/<name>.jsonl``), CSV payloads, optionally base64.
Event ids are ``<id_prefix>-<row number>``, so ground truth can name them.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Union

import numpy as np
import pandas as pd

VARIANT = "AllTraffic"
DEFAULT_START = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


def requests(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``frame``'s rows as the endpoint receives them: the raw ``columns`` (its input columns), in order."""
    return frame[list(columns)]


def _payload(text: str, base64_encoded: bool) -> dict:
    if base64_encoded:
        return {"data": base64.b64encode(text.encode("utf-8")).decode("ascii"), "encoding": "BASE64"}
    return {"data": text, "encoding": "CSV"}


def capture_records(
    frame: pd.DataFrame,
    predictions: Sequence[float],
    *,
    rows_per_record: int = 1,
    base64_encoded: bool = False,
    start: datetime = DEFAULT_START,
    seconds_apart: float = 1.0,
    id_prefix: str = "event",
) -> Iterator[dict]:
    """Capture records of ``frame``'s rows, ``rows_per_record`` rows per request."""
    rows = frame.to_csv(header=False, index=False).splitlines()
    scores = [f"{float(score):.6f}" for score in predictions]
    if len(scores) != len(rows):
        raise ValueError(f"{len(scores)} predictions for {len(rows)} rows")
    for number, first in enumerate(range(0, len(rows), rows_per_record)):
        last = min(first + rows_per_record, len(rows))
        time = start + timedelta(seconds=number * seconds_apart)
        yield {
            "captureData": {
                "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                                  **_payload("\n".join(rows[first:last]), base64_encoded)},
                "endpointOutput": {"observedContentType": "text/csv; charset=utf-8", "mode": "OUTPUT",
                                   **_payload("\n".join(scores[first:last]), base64_encoded)},
            },
            "eventMetadata": {"eventId": f"{id_prefix}-{number}", "inferenceTime": time.strftime("%Y-%m-%dT%H:%M:%SZ")},
            "eventVersion": "0",
        }


def write_capture_files(
    frame: pd.DataFrame,
    predictions: Sequence[float],
    folder: Union[str, Path],
    *,
    records_per_file: int = 1000,
    rows_per_record: int = 1,
    base64_encoded: bool = False,
    start: datetime = DEFAULT_START,
    seconds_apart: float = 1.0,
    id_prefix: str = "event",
) -> List[Path]:
    """Write the capture records of ``frame`` below ``folder``; returns the files written."""
    records = capture_records(frame, predictions, rows_per_record=rows_per_record, base64_encoded=base64_encoded,
                              start=start, seconds_apart=seconds_apart, id_prefix=id_prefix)
    paths: List[Path] = []
    chunk: List[str] = []
    first_time: Optional[str] = None
    for record in records:
        first_time = first_time or record["eventMetadata"]["inferenceTime"]
        chunk.append(json.dumps(record))
        if len(chunk) == records_per_file:
            paths.append(_write_chunk(Path(folder), first_time, len(paths), chunk))
            chunk, first_time = [], None
    if chunk:
        paths.append(_write_chunk(Path(folder), first_time, len(paths), chunk))
    return paths


def write_ground_truth_file(event_ids: Sequence[str], labels: Sequence[object], path: Union[str, Path]) -> Path:
    """One ground-truth line per event id (labels written as given, e.g. ``good``/``bad`` or 1/0)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = (
        json.dumps({"groundTruthData": {"data": str(label), "encoding": "CSV"},
                    "eventMetadata": {"eventId": event_id}, "eventVersion": "0"})
        for event_id, label in zip(event_ids, labels)
    )
    path.write_text("\n".join(lines) + "\n")
    return path


def _write_chunk(folder: Path, first_time: str, number: int, lines: List[str]) -> Path:
    time = datetime.strptime(first_time, "%Y-%m-%dT%H:%M:%SZ")
    hour_folder = folder / VARIANT / time.strftime("%Y/%m/%d/%H")
    hour_folder.mkdir(parents=True, exist_ok=True)
    path = hour_folder / f"{time.strftime('%M-%S')}-{number:05d}.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def demo_scores(frame: pd.DataFrame) -> np.ndarray:
    """A stand-in model's P(good) for German-credit-like rows: long, large loans and an
    overdrawn account are riskier. Deterministic, for synthetic traffic only."""
    duration = pd.to_numeric(frame["duration_in_month"], errors="coerce").fillna(24).to_numpy()
    amount = pd.to_numeric(frame["credit_amount"], errors="coerce").fillna(3000).to_numpy()
    overdrawn = frame["status_of_existing_checking_account"].astype(str).str.startswith("... < 0").to_numpy()
    logit = 2.0 - 0.04 * duration - 0.0001 * amount - 1.0 * overdrawn
    return 1 / (1 + np.exp(-logit))
