"""Read ground-truth labels, decide which ones a window accepts, and line them up with its captured rows.

Ground truth is JSON lines in SageMaker Model Monitor's merge format, one line per labelled request::

    {"groundTruthData": {"data": "1", "encoding": "CSV"}, "eventMetadata": {"eventId": "..."}, "eventVersion": "0"}

``eventId`` is the captured record's ``inferenceId`` when the caller set one,
else its ``eventId`` (as for Model Monitor). ``data`` holds one label per
captured row of that request (CSV, or base64 of it). A label is positive when it
equals ``positive_label`` (case-insensitive), ``1`` or ``true``.

Files sit below the ground-truth location in ``yyyy/mm/dd/hh/`` folders named for
the hour they were written (Model Monitor's layout): that hour is when the labels
*arrived*. A window ``[start, end)`` accepts a label that arrived before ``end +
lateness_hours`` (``labels_for_window``); a label that arrived later is ignored for
that window. A file outside the hour layout has no known arrival and is accepted by
every window. When several labels name one row, the one that arrived last among those
the window accepts wins (a correction replaces the label; a duplicate changes nothing).

The sensitive attributes of a row come from the captured raw record, not from here.
Lines that cannot be read are counted by reason.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable, List, Optional, Tuple, Union

import numpy as np
import pandas as pd

POSITIVE_TOKENS = ("1", "1.0", "true")
KEYS = ["key", "position"]
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
_HOUR_FOLDER = re.compile(r"(?:^|/)(\d{4})/(\d{2})/(\d{2})/(\d{2})/[^/]+$")


@dataclass
class GroundTruth:
    """``labels``: one row per label read: key, position, label (bool) and ``arrived`` (the
    ``YYYY-MM-DDTHH:00:00`` hour of its folder, or None), in reading order."""

    labels: pd.DataFrame
    malformed: Counter = field(default_factory=Counter)


def ground_truth_files(folder: Union[str, Path]) -> List[Path]:
    return sorted(path for path in Path(folder).rglob("*.jsonl") if path.is_file())


def arrival_hour(path: Union[str, Path]) -> Optional[str]:
    """The hour a ground-truth file arrived, from its ``yyyy/mm/dd/hh/`` folder; None outside that layout."""
    match = _HOUR_FOLDER.search(Path(path).as_posix())
    if match is None:
        return None
    year, month, day, hour = match.groups()
    try:
        return datetime(int(year), int(month), int(day), int(hour)).strftime(TIME_FORMAT)
    except ValueError:
        return None


def arrived_before(paths: Iterable[Union[str, Path]], moment: str) -> List[Path]:
    """The files of ``paths`` that had arrived by ``moment`` (``YYYY-MM-DDTHH:MM:SS``): a run does not
    see labels written after it (files outside the hour layout count as arrived)."""
    return [Path(path) for path in paths if (arrival_hour(path) or "") < moment]


def read_ground_truth(paths: Iterable[Union[str, Path]], *, positive_label: str) -> GroundTruth:
    positives = {positive_label.strip().lower(), *POSITIVE_TOKENS}
    rows: List[Tuple[str, int, bool, Optional[str]]] = []
    malformed: Counter = Counter()
    for path in paths:
        arrived = arrival_hour(path)
        with Path(path).open("rb") as lines:
            for line in lines:
                if not line.strip():
                    continue
                try:
                    key, values = _record(line)
                except (binascii.Error, UnicodeDecodeError):
                    malformed["bad_base64"] += 1
                    continue
                except (ValueError, TypeError, KeyError, AttributeError):
                    malformed["invalid_record"] += 1
                    continue
                rows.extend((key, position, value in positives, arrived) for position, value in enumerate(values))
    frame = pd.DataFrame.from_records(rows, columns=[*KEYS, "label", "arrived"])
    return GroundTruth(frame, malformed)


def _record(line: bytes) -> Tuple[str, List[str]]:
    record = json.loads(line)
    key = str(record["eventMetadata"]["eventId"])
    payload = record["groundTruthData"]
    data = payload["data"]
    if str(payload.get("encoding", "CSV")).upper() == "BASE64":
        data = base64.b64decode(data, validate=True).decode("utf-8")
    values = [value.strip().strip('"').lower() for value in str(data).replace("\n", ",").split(",")]
    return key, values


def labels_for_window(truth: GroundTruth, window_end: Optional[str], lateness_hours: int) -> pd.DataFrame:
    """The labels a window ending at ``window_end`` accepts (all of them when it is None), one per
    row: key, position, label."""
    labels = truth.labels
    if window_end is not None:
        deadline = (datetime.strptime(window_end, TIME_FORMAT) + timedelta(hours=lateness_hours)).strftime(TIME_FORMAT)
        labels = labels[labels["arrived"].isna() | (labels["arrived"] < deadline)]
    # A stable sort keeps reading order among labels of the same hour; files without an hour come first.
    ordered = labels.assign(_order=labels["arrived"].fillna("")).sort_values("_order", kind="stable")
    return ordered.drop_duplicates(KEYS, keep="last")[[*KEYS, "label"]].reset_index(drop=True)


def align(record_keys: np.ndarray, row_positions: np.ndarray, labels: pd.DataFrame) -> np.ndarray:
    """Per captured row: the label (1.0, 0.0, or NaN where no accepted label names the row)."""
    if labels.empty:
        return np.full(len(record_keys), np.nan)
    rows = pd.DataFrame({"key": record_keys.astype(object), "position": row_positions})
    rows["key"] = rows["key"].map(lambda key: None if key is None else str(key))
    merged = rows.merge(labels, on=KEYS, how="left")
    return merged["label"].map({True: 1.0, False: 0.0}).to_numpy(dtype=float)


def labels_digest(record_keys: np.ndarray, row_positions: np.ndarray, labels: np.ndarray) -> str:
    """A fingerprint of the labels joined to a window's rows: equal digests, equal labelled rows."""
    joined = sorted(
        (str(key), int(position), int(label))
        for key, position, label in zip(record_keys, row_positions, labels) if np.isfinite(label)
    )
    return hashlib.sha256(json.dumps(joined, separators=(",", ":")).encode("utf-8")).hexdigest()
