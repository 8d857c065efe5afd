"""Read ground-truth labels and line them up with the captured rows.

Ground truth is JSON lines in SageMaker's merge format, one line per labelled request::

    {"groundTruthData": {"data": "1", "encoding": "CSV"}, "eventMetadata": {"eventId": "..."}, "eventVersion": "0",
     "sensitiveAttributes": {"age_in_years": 31, "foreign_worker": "no"}}

``eventId`` is the captured record's ``inferenceId`` when the caller set one,
else its ``eventId`` (as for Model Monitor). ``data`` holds one label per
captured row of that request (CSV, or base64 of it). A label is positive when it
equals ``positive_label`` (case-insensitive), ``1`` or ``true``.

``sensitiveAttributes`` is our extension, optional: the values of sensitive
attributes for every row of the request. A model trained without its sensitive
attributes (``training.exclude_sensitive_attributes``) never receives them, so
the fairness check can only get them from whoever labels the outcomes.

Lines that cannot be read are counted by reason; the last label given for a row wins.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Tuple, Union

import numpy as np
import pandas as pd

POSITIVE_TOKENS = ("1", "1.0", "true")
KEYS = ["key", "position"]


@dataclass
class GroundTruth:
    """``labels``: one row per labelled captured row: key, position, label (bool) and one
    column per sensitive attribute given."""

    labels: pd.DataFrame
    malformed: Counter = field(default_factory=Counter)

    @property
    def attribute_columns(self) -> List[str]:
        return [column for column in self.labels.columns if column not in (*KEYS, "label")]


def ground_truth_files(folder: Union[str, Path]) -> List[Path]:
    return sorted(path for path in Path(folder).rglob("*.jsonl") if path.is_file())


def read_ground_truth(paths: Iterable[Union[str, Path]], *, positive_label: str) -> GroundTruth:
    positives = {positive_label.strip().lower(), *POSITIVE_TOKENS}
    rows: List[Dict[str, Any]] = []
    malformed: Counter = Counter()
    for path in paths:
        with Path(path).open("rb") as lines:
            for line in lines:
                if not line.strip():
                    continue
                try:
                    key, values, attributes = _record(line)
                except (binascii.Error, UnicodeDecodeError):
                    malformed["bad_base64"] += 1
                    continue
                except (ValueError, TypeError, KeyError, AttributeError):
                    malformed["invalid_record"] += 1
                    continue
                for position, value in enumerate(values):
                    rows.append({**attributes, "key": key, "position": position, "label": value in positives})
    frame = pd.DataFrame.from_records(rows, columns=None if rows else [*KEYS, "label"])
    return GroundTruth(frame.drop_duplicates(KEYS, keep="last").reset_index(drop=True), malformed)


def _record(line: bytes) -> Tuple[str, List[str], Dict[str, Any]]:
    record = json.loads(line)
    key = str(record["eventMetadata"]["eventId"])
    payload = record["groundTruthData"]
    data = payload["data"]
    if str(payload.get("encoding", "CSV")).upper() == "BASE64":
        data = base64.b64decode(data, validate=True).decode("utf-8")
    attributes = record.get("sensitiveAttributes") or {}
    if not isinstance(attributes, dict):
        raise ValueError("sensitiveAttributes must be an object")
    values = [value.strip().strip('"').lower() for value in str(data).replace("\n", ",").split(",")]
    return key, values, attributes


def align(record_keys: np.ndarray, row_positions: np.ndarray, truth: GroundTruth) -> Tuple[np.ndarray, pd.DataFrame]:
    """Per captured row: the label (1.0, 0.0, or NaN where no ground truth names the row), and
    the sensitive attributes the ground truth gives (NaN where it does not)."""
    if truth.labels.empty:
        return np.full(len(record_keys), np.nan), pd.DataFrame(index=range(len(record_keys)))
    rows = pd.DataFrame({"key": record_keys.astype(object), "position": row_positions})
    rows["key"] = rows["key"].map(lambda key: None if key is None else str(key))
    merged = rows.merge(truth.labels, on=KEYS, how="left")
    labels = merged["label"].map({True: 1.0, False: 0.0}).to_numpy(dtype=float)
    return labels, merged[truth.attribute_columns].reset_index(drop=True)
