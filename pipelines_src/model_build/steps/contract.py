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


def _column_violations(values: pd.Series, rule: Mapping[str, Any]) -> list[str]:
    name = f"column {rule['name']!r}"
    found = []
    present = values.dropna()
    if not rule.get("nullable", False) and len(present) < len(values):
        nulls = values[values.isna()]
        found.append(f"{name}: {len(nulls)} empty value(s) but the column is not nullable ({_lines(nulls.index)})")
    if rule["type"] == "string":
        allowed = rule.get("allowed_values")
        if allowed is not None:
            outside = present[~present.isin(list(allowed))]
            if len(outside):
                found.append(
                    f"{name}: {len(outside)} value(s) not among the allowed values: {_examples(outside)}"
                )
        return found
    parsed = _parse_numbers(present, rule["type"])
    bad = present[parsed.isna()]
    if len(bad):
        found.append(f"{name}: {len(bad)} value(s) are not {_article(rule['type'])}: {_examples(bad)}")
    numbers = parsed.dropna()
    if rule.get("minimum") is not None:
        below = present[numbers.index][numbers < rule["minimum"]]
        if len(below):
            found.append(f"{name}: {len(below)} value(s) below the minimum {rule['minimum']:g}: {_examples(below)}")
    if rule.get("maximum") is not None:
        above = present[numbers.index][numbers > rule["maximum"]]
        if len(above):
            found.append(f"{name}: {len(above)} value(s) above the maximum {rule['maximum']:g}: {_examples(above)}")
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
