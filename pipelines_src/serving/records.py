"""Parse and check one inference request against the model's serving spec (``serving.json``).

The endpoint takes the data contract's input columns: every column but the label and
the PII columns, in contract order (sensitive attributes included: they are captured,
and the encoding decides whether the model sees them). Two content types:

- ``text/csv``: one row per line, no header, the input columns in order; an empty cell
  is a null;
- ``application/json``: ``{"instances": [{column: value, ...}, ...]}``; a missing key is
  a null.

Every value is checked as the build's contract check would (type, allowed values,
range, nullability). A bad request raises ``RequestError`` whose message names the row
and the column; nothing else escapes, whatever the bytes.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CSV = "text/csv"
JSON = "application/json"
_INTEGER = re.compile(r"^[+-]?\d+$")
# Most rows one request may hold: the container's payload limit (6 MB) allows about this many.
MAX_ROWS = 20_000

Value = float | str | None


class RequestError(ValueError):
    """A request the endpoint refuses: ``status`` is the HTTP status, the message says why."""

    def __init__(self, message: str, *, status: int = 400, column: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.column = column


@dataclass(frozen=True)
class InputColumn:
    name: str
    type: str
    nullable: bool = False
    allowed_values: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None

    def check(self, raw: Any, row: int) -> Value:
        """The typed value of ``raw`` (text from CSV, any JSON value), or RequestError naming the column."""
        if raw is None or (isinstance(raw, str) and raw == ""):
            if not self.nullable:
                raise self._error(row, "is empty but the column is not nullable")
            return None
        if self.type == "string":
            if not isinstance(raw, str):
                raise self._error(row, f"must be text, got {_quote(raw)}")
            if self.allowed_values is not None and raw not in self.allowed_values:
                raise self._error(row, f"{_quote(raw)} is not among the allowed values {list(self.allowed_values)}")
            return raw
        number = self._number(raw, row)
        if self.minimum is not None and number < self.minimum:
            raise self._error(row, f"{_quote(raw)} is below the minimum {self.minimum:g}")
        if self.maximum is not None and number > self.maximum:
            raise self._error(row, f"{_quote(raw)} is above the maximum {self.maximum:g}")
        return number

    def _number(self, raw: Any, row: int) -> float:
        kind = "an integer" if self.type == "integer" else "a number"
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
            raise self._error(row, f"must be {kind}, got {_quote(raw)}")
        text = raw.strip() if isinstance(raw, str) else repr(raw)
        try:
            number = float(text)
        except ValueError:
            raise self._error(row, f"must be {kind}, got {_quote(raw)}") from None
        if not math.isfinite(number):
            raise self._error(row, f"must be a finite number, got {_quote(raw)}")
        if self.type == "integer" and not (number.is_integer() if not isinstance(raw, str) else _INTEGER.match(text)):
            raise self._error(row, f"must be an integer, got {_quote(raw)}")
        return number

    def _error(self, row: int, problem: str) -> RequestError:
        return RequestError(f"row {row}, column {self.name!r}: {problem}", column=self.name)


@dataclass(frozen=True)
class ServingSpec:
    """What the endpoint accepts and who answers: ``serving.json`` inside the model artifact."""

    model_version: str
    columns: tuple[InputColumn, ...]
    pii: tuple[str, ...]
    label: str
    sensitive_attributes: tuple[str, ...]
    encoding: tuple[Mapping[str, Any], ...]
    # The feature group's transforms (feature_store.transforms), computed before encoding.
    transforms: tuple[Mapping[str, Any], ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    @classmethod
    def from_json(cls, payload: Mapping[str, Any]) -> "ServingSpec":
        return cls(
            model_version=str(payload["model_version"]),
            columns=tuple(
                InputColumn(
                    name=item["name"],
                    type=item["type"],
                    nullable=bool(item.get("nullable", False)),
                    allowed_values=tuple(item["allowed_values"]) if item.get("allowed_values") is not None else None,
                    minimum=item.get("minimum"),
                    maximum=item.get("maximum"),
                )
                for item in payload["columns"]
            ),
            pii=tuple(payload.get("pii", ())),
            label=payload["label"],
            sensitive_attributes=tuple(payload.get("sensitive_attributes", ())),
            encoding=tuple(payload["encoding"]),
            transforms=tuple(payload.get("transforms", ())),
        )


def parse_request(body: bytes | str, content_type: str | None, spec: ServingSpec) -> list[dict[str, Value]]:
    """The checked records of a request body, one dict per row keyed by input column."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    text = _text(body)
    if media_type == CSV:
        records = parse_csv(text, spec)
    elif media_type == JSON:
        records = parse_json(text, spec)
    else:
        raise RequestError(f"content type {content_type!r} is not supported: send {CSV} or {JSON}", status=415)
    if len(records) > MAX_ROWS:
        raise RequestError(f"{len(records)} rows in one request; at most {MAX_ROWS}", status=413)
    return records


def parse_csv(text: str, spec: ServingSpec) -> list[dict[str, Value]]:
    """Rows without a header, the input columns in contract order."""
    names = spec.column_names
    try:
        rows = [row for row in csv.reader(io.StringIO(text), strict=True) if row]
    except csv.Error as error:
        raise RequestError(f"the CSV body cannot be parsed: {error}") from None
    if not rows:
        raise RequestError("the request holds no rows")
    records = []
    for number, row in enumerate(rows, start=1):
        if len(row) != len(names):
            raise RequestError(
                f"row {number} has {len(row)} values; expected {len(names)}, the input columns in contract order: {names}"
            )
        records.append({column.name: column.check(value, number) for column, value in zip(spec.columns, row)})
    return records


def parse_json(text: str, spec: ServingSpec) -> list[dict[str, Value]]:
    """``{"instances": [{column: value, ...}, ...]}``."""
    try:
        document = json.loads(text)
    except ValueError as error:
        raise RequestError(f"the JSON body cannot be parsed: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("instances"), list):
        raise RequestError('the JSON body must be {"instances": [{column: value, ...}, ...]}')
    instances = document["instances"]
    if not instances:
        raise RequestError("the request holds no rows")
    return [_json_record(instance, number, spec) for number, instance in enumerate(instances, start=1)]


def _json_record(instance: Any, number: int, spec: ServingSpec) -> dict[str, Value]:
    if not isinstance(instance, dict):
        raise RequestError(f"row {number}: each instance must be an object of column: value, got {_quote(instance)}")
    pii = [name for name in instance if name in spec.pii]
    if pii:
        raise RequestError(
            f"row {number}: PII column(s) {pii} must not be sent: the model never uses them and captures must not hold them",
            column=pii[0],
        )
    unknown = [name for name in instance if name not in set(spec.column_names)]
    if unknown:
        hint = f" ({spec.label!r} is the label, not an input)" if spec.label in unknown else ""
        raise RequestError(f"row {number}: unknown column(s) {unknown}{hint}; the input columns are {spec.column_names}",
                           column=unknown[0])
    return {column.name: column.check(instance.get(column.name), number) for column in spec.columns}


def _text(body: bytes | str) -> str:
    if isinstance(body, str):
        return body
    try:
        return bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        raise RequestError("the body is not UTF-8 text") from None


def _quote(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def spec_columns(contract: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The contract's input columns (all but the label and PII) as ``serving.json`` lists them."""
    excluded = {contract["label"], *(rule["name"] for rule in contract.get("pii", ()))}
    keys: Sequence[str] = ("name", "type", "nullable", "allowed_values", "minimum", "maximum")
    return [{key: rule.get(key) for key in keys} for rule in contract["columns"] if rule["name"] not in excluded]
