"""The data contract check: every violation in one readable report, or typed data.

``contract`` is ``platform_config.contract.DataContract`` dumped to JSON: ``label``,
``positive_label``, ``columns`` (``name``, ``type`` string|integer|float, ``nullable``,
``allowed_values``, ``minimum``, ``maximum``) and ``pii``. The raw file is read as text
so that a bad value is reported as written, with its line number, instead of being
silently coerced by the CSV parser.
"""

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

_INTEGER = re.compile(r"^[+-]?\d+$")
# Examples quoted per violation: enough to find the rows, short enough to read.
MAX_EXAMPLES = 3


class ContractViolationError(ValueError):
    """The data breaks its contract; ``violations`` lists every problem found."""

    def __init__(self, source: str, violations: list[str]) -> None:
        self.source = source
        self.violations = violations
        lines = "\n".join(f"  - {violation}" for violation in violations)
        super().__init__(f"data contract violated by {source} ({len(violations)} problem(s)):\n{lines}")


def read_raw(path: str | Path) -> pd.DataFrame:
    """The file as text cells (empty cells are null), keeping its header exactly, duplicates included."""
    with Path(path).open(newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return pd.DataFrame()
    header, body = rows[0], rows[1:]
    frame = pd.DataFrame(body, columns=range(len(header)), dtype=object)
    frame.columns = header
    return frame.replace("", None)


def violations(frame: pd.DataFrame, contract: Mapping[str, Any]) -> list[str]:
    """Every way ``frame`` breaks ``contract``; an empty list when it conforms."""
    found: list[str] = []
    columns = [str(name) for name in frame.columns]
    declared = [rule["name"] for rule in contract["columns"]]
    duplicated = sorted({name for name in columns if columns.count(name) > 1})
    if duplicated:
        found.append(f"columns appear more than once in the header: {duplicated}")
    missing = [name for name in declared if name not in columns]
    if missing:
        found.append(f"missing columns: {missing}")
    unexpected = [name for name in columns if name not in declared]
    if unexpected:
        found.append(f"unexpected columns (not in the contract): {sorted(set(unexpected))}")
    if frame.empty:
        found.append("no data rows")
        return found
    for rule in contract["columns"]:
        name = rule["name"]
        if name in columns and name not in duplicated:
            found += _column_violations(frame[name], rule)
    label = contract["label"]
    if label in columns and label not in duplicated:
        found += _label_violations(frame[label], contract["positive_label"])
    return found


def check(frame: pd.DataFrame, contract: Mapping[str, Any], source: str) -> pd.DataFrame:
    """``frame`` with the contract's types, or ContractViolationError listing every problem."""
    problems = violations(frame, contract)
    if problems:
        raise ContractViolationError(source, problems)
    return conform(frame, contract)


def conform(frame: pd.DataFrame, contract: Mapping[str, Any]) -> pd.DataFrame:
    """Cast a conforming frame to the contract's types, columns in contract order.

    Integer columns without nulls become int64, other numeric columns float64, strings stay text.
    """
    typed = {}
    for rule in contract["columns"]:
        values = frame[rule["name"]]
        if rule["type"] == "string":
            typed[rule["name"]] = values.astype(object).where(values.notna(), None)
        else:
            numbers = pd.to_numeric(values, errors="raise")
            integral = rule["type"] == "integer" and not numbers.isna().any()
            typed[rule["name"]] = numbers.astype("int64" if integral else "float64")
    return pd.DataFrame(typed, index=frame.index)


def row_problems(frame: pd.DataFrame, contract: Mapping[str, Any]) -> pd.Series:
    """Per row of ``frame`` (whose header fits ``contract``), what breaks the contract's column
    rules, ``"; "``-separated (``column 'age': below the minimum 18``), or ``""`` for a good row.
    The checks are ``violations``'s, row by row; the label's both-classes check is about a whole
    data set, not a row, and is not made here."""
    reasons = pd.Series("", index=frame.index, dtype=object)
    for rule in contract["columns"]:
        for check in _checks(frame[rule["name"]], rule):
            text = f"column {rule['name']!r}: {check.row_text}"
            reasons[check.failing] = [f"{reason}; {text}" if reason else text for reason in reasons[check.failing]]
    return reasons


@dataclass(frozen=True)
class _Check:
    """One rule's check over a column: the failing rows and how to say what is wrong."""

    failing: pd.Series
    report_text: str
    row_text: str
    quote_values: bool = True


def _checks(values: pd.Series, rule: Mapping[str, Any]) -> list[_Check]:
    present = values.notna()
    checks = []
    if not rule.get("nullable", False):
        checks.append(_Check(~present, "empty value(s) but the column is not nullable", "empty but not nullable", quote_values=False))
    if rule["type"] == "string":
        allowed = rule.get("allowed_values")
        if allowed is not None:
            checks.append(_Check(present & ~values.isin(list(allowed)), "value(s) not among the allowed values", "not among the allowed values"))
        return checks
    parsed = _parse_numbers(values[present], rule["type"]).reindex(values.index)
    kind = _article(rule["type"])
    checks.append(_Check(present & parsed.isna(), f"value(s) are not {kind}", f"not {kind}"))
    if rule.get("minimum") is not None:
        bound = f"below the minimum {rule['minimum']:g}"
        checks.append(_Check(parsed < rule["minimum"], f"value(s) {bound}", bound))
    if rule.get("maximum") is not None:
        bound = f"above the maximum {rule['maximum']:g}"
        checks.append(_Check(parsed > rule["maximum"], f"value(s) {bound}", bound))
    return checks


def _column_violations(values: pd.Series, rule: Mapping[str, Any]) -> list[str]:
    found = []
    for check in _checks(values, rule):
        failing = values[check.failing]
        if len(failing):
            where = f": {_examples(failing)}" if check.quote_values else f" ({_lines(failing.index)})"
            found.append(f"column {rule['name']!r}: {len(failing)} {check.report_text}{where}")
    return found


def _label_violations(values: pd.Series, positive_label: str) -> list[str]:
    classes = sorted(values.dropna().astype(str).unique())
    if positive_label not in classes:
        return [f"label {values.name!r}: no row has the positive label {positive_label!r} (found {classes})"]
    if len(classes) < 2:
        return [f"label {values.name!r}: every row is {positive_label!r}; a classifier needs both outcomes"]
    return []


def _parse_numbers(values: pd.Series, kind: str) -> pd.Series:
    text = values.astype(str).str.strip()
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    if kind == "integer":
        numbers = numbers.where(text.str.match(_INTEGER))
    return numbers


def _article(kind: str) -> str:
    return "an integer" if kind == "integer" else "a number"


def _line(index: Any) -> int:
    # Row 0 of the frame is line 2 of the file: line 1 is the header.
    return int(index) + 2


def _lines(index: pd.Index) -> str:
    shown = ", ".join(str(_line(position)) for position in index[:MAX_EXAMPLES])
    more = f" and {len(index) - MAX_EXAMPLES} more" if len(index) > MAX_EXAMPLES else ""
    return f"line(s) {shown}{more}"


def _examples(values: pd.Series) -> str:
    shown = ", ".join(f"{value!r} on line {_line(index)}" for index, value in values.iloc[:MAX_EXAMPLES].items())
    more = f" and {len(values) - MAX_EXAMPLES} more" if len(values) > MAX_EXAMPLES else ""
    return f"{shown}{more}"
