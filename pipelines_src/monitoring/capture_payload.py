"""Decode the payloads of one captured request: the rows it sent, the probabilities and version it got.

An ``endpointInput`` holds what the endpoint received: raw records (``pipelines_src.serving``),
CSV (no header; the columns are the contract's input columns, in order), JSON
(``{"instances": [{column: value}, ...]}``; also lists in column order or
``{"features": [...]}``) or JSON lines, base64-encoded when ``encoding`` says ``BASE64``;
one request may hold several rows. An ``endpointOutput`` holds one probability per input
row, with the version that answered: the endpoint's JSON ``{"predictions":
[{"probability": p}], "model_version": v}`` or CSV lines ``p,v`` (also plain numbers,
``{"score": p}``, without a version).

A payload that cannot be used raises ``Malformed`` with one of ``MALFORMED_REASONS``.
"""

from __future__ import annotations

import base64
import binascii
import csv
import json
from typing import Any, List, Optional, Tuple, Union

MALFORMED_REASONS = (
    "invalid_json",  # the line is not JSON (e.g. a file truncated mid-line) or not UTF-8
    "missing_input",  # no captureData.endpointInput.data
    "bad_base64",  # encoding BASE64 but the data does not decode
    "unsupported_encoding",
    "unsupported_content_type",
    "bad_payload",  # a JSON payload that holds no rows, or a CSV row with unbalanced quotes
    "wrong_column_count",  # a row with more or fewer values than there are columns
)
# Row keys of JSON objects SageMaker's built-in algorithms accept.
_JSON_ROW_KEYS = ("instances", "features")
_JSON_SCORE_KEYS = ("score", "probability")


class Malformed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def payload(part: Any, *, required: bool) -> Tuple[str, str]:
    """The content type and decoded text of an endpointInput/endpointOutput."""
    if not isinstance(part, dict) or not isinstance(part.get("data"), str):
        raise Malformed("missing_input" if required else "missing_output")
    encoding = str(part.get("encoding", "")).upper()
    data = part["data"]
    if encoding == "BASE64":
        try:
            data = base64.b64decode(data, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise Malformed("bad_base64") from None
    elif encoding not in ("CSV", "JSON"):
        raise Malformed("unsupported_encoding")
    return str(part.get("observedContentType", "")).lower(), data


def csv_rows(text: str, column_count: int) -> List[str]:
    """The CSV payload's rows, each checked to hold ``column_count`` values."""
    rows = [row for row in text.splitlines() if row.strip()]
    if not rows:
        raise Malformed("bad_payload")
    for row in rows:
        if '"' in row:
            try:
                count = len(next(csv.reader([row], strict=True)))
            except csv.Error:
                raise Malformed("bad_payload") from None
        else:
            count = row.count(",") + 1
        if count != column_count:
            raise Malformed("wrong_column_count")
    return rows


def json_rows(text: str, column_count: int, *, lines: bool) -> List[Union[list, dict]]:
    """The JSON (or JSON lines) payload's rows: objects as sent, lists checked to hold ``column_count`` values."""
    try:
        documents = [json.loads(line) for line in text.splitlines() if line.strip()] if lines else [json.loads(text)]
    except ValueError:
        raise Malformed("bad_payload") from None
    rows: List[Union[list, dict]] = []
    for document in documents:
        rows.extend(_json_document_rows(document))
    if not rows:
        raise Malformed("bad_payload")
    for row in rows:
        if isinstance(row, list) and len(row) != column_count:
            raise Malformed("wrong_column_count")
    return rows


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


def output_values(content_type: str, text: str) -> Tuple[List[float], Optional[str]]:
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
