"""A CSV's columns as the data contract sees them, profiled with the standard library.

Cells are read as written, as the build's contract check reads them: an empty cell is
missing, a column is ``integer`` when every present cell is an integer literal, ``float``
when every one is a finite decimal number, and ``string`` otherwise.
"""

import csv
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

ColumnType = Literal["integer", "float", "string"]

_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
# A string column with at most this many distinct values is categorical: the contract lists them.
MAX_CATEGORIES = 20


class DatasetError(ValueError):
    """The CSV cannot be profiled; the message names the file and what is wrong with it."""


@dataclass(frozen=True)
class ColumnProfile:
    """One column: its inferred type and its present (non-empty) cells in file order."""

    name: str
    type: ColumnType
    values: tuple[str, ...]
    empty: int

    @property
    def nullable(self) -> bool:
        return self.empty > 0

    def numbers(self) -> list[float]:
        return [float(value) for value in self.values] if self.type != "string" else []

    def counts(self) -> Counter[str]:
        return Counter(self.values)

    def categories(self) -> tuple[str, ...] | None:
        """The distinct values, sorted, when the column is categorical; None for free text.

        A value must repeat on average, so a short file of names is not mistaken for a category."""
        counts = self.counts()
        if self.type != "string" or not counts or len(counts) > MAX_CATEGORIES or len(self.values) < 2 * len(counts):
            return None
        return tuple(sorted(counts))


@dataclass(frozen=True)
class DatasetProfile:
    path: Path
    rows: int
    columns: tuple[ColumnProfile, ...]

    def column(self, name: str) -> ColumnProfile:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


def profile_csv(path: str | Path) -> DatasetProfile:
    """Profile every column of the CSV at ``path`` (header on the first line)."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DatasetError(f"{path}: cannot read it as a UTF-8 CSV: {error}") from None
    if not rows:
        raise DatasetError(f"{path}: the file is empty; the first line must be the header")
    header, body = rows[0], rows[1:]
    _check_header(path, header)
    if not body:
        raise DatasetError(f"{path}: the header has no data rows under it")
    for line, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise DatasetError(f"{path}: line {line} has {len(row)} fields, the header has {len(header)}")
    columns = tuple(_profile_column(name, [row[index] for row in body]) for index, name in enumerate(header))
    return DatasetProfile(path=path, rows=len(body), columns=columns)


def _check_header(path: Path, header: list[str]) -> None:
    blank = [index + 1 for index, name in enumerate(header) if not name.strip()]
    if blank:
        raise DatasetError(f"{path}: header field(s) {blank} have no name")
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise DatasetError(f"{path}: columns appear more than once in the header: {duplicated}")


def _profile_column(name: str, cells: list[str]) -> ColumnProfile:
    present = tuple(cell for cell in cells if cell != "")
    return ColumnProfile(name=name, type=_infer_type(present), values=present, empty=len(cells) - len(present))


def _infer_type(values: tuple[str, ...]) -> ColumnType:
    stripped = [value.strip() for value in values]
    if not stripped:
        return "string"
    if all(_INTEGER.fullmatch(value) for value in stripped):
        return "integer"
    if all(_DECIMAL.fullmatch(value) for value in stripped):
        return "float"
    return "string"
