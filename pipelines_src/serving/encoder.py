"""Checked records to the model's features, as the build encoded its training data.

``columns`` is ``encoding.json``'s list (``{"name", "encoding": "numeric" | "one_hot",
"categories"}``): a numeric column is one feature (NaN for a null); a string column is
one feature per category, 1.0 for the record's value and 0.0 otherwise (all zeros for
a null). Columns the encoding does not list, such as the sensitive attributes when
training excludes them, never reach the model. The result equals
``pipelines_src.model_build.steps.features.FeatureEncoding.features`` on the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


class RecordEncoder:
    """Encodes records (dicts keyed by input column) into a float matrix, one row each."""

    def __init__(self, columns: Sequence[Mapping[str, Any]]) -> None:
        self._plan: list[tuple[str, int, dict[str, int] | None]] = []
        position = 0
        for column in columns:
            if column["encoding"] == "numeric":
                self._plan.append((column["name"], position, None))
                position += 1
            elif column["encoding"] == "one_hot":
                categories = list(column["categories"])
                self._plan.append((column["name"], position, {value: index for index, value in enumerate(categories)}))
                position += len(categories)
            else:
                raise ValueError(f"encoding of column {column['name']!r}: unknown kind {column['encoding']!r}")
        self.width = position

    @property
    def source_columns(self) -> list[str]:
        return [name for name, _, _ in self._plan]

    def encode(self, records: Sequence[Mapping[str, Any]]) -> np.ndarray:
        matrix = np.zeros((len(records), self.width), dtype="float64")
        for row, record in enumerate(records):
            for name, position, categories in self._plan:
                value = record.get(name)
                if categories is None:
                    matrix[row, position] = np.nan if value is None else float(value)
                elif value is not None and value in categories:
                    matrix[row, position + categories[value]] = 1.0
        return matrix
