"""Decode captured requests from the model's feature encoding back to the raw columns of the baseline.

The built-in XGBoost endpoint takes numbers only, so the build pipeline encodes
requests (``pipelines_src/build/steps/features.py``, saved as ``encoding.json``):
a numeric column is one feature; a string column is one-hot encoded over its
categories, one feature ``<column>=<category>`` each, all zeros for a null. The
baseline describes the raw columns. The job gets the encoding's ``columns``
(``[{"name", "encoding": "numeric" | "one_hot", "categories": [...]}]``) in its
settings (``settings.JobSettings.encoding``), parsed here; ``decoding.decode``
turns captured rows back into raw columns.

Standard library only: the settings, which the CDK app may import, use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Mapping, Optional, Sequence, Tuple

NUMERIC = "numeric"
ONE_HOT = "one_hot"


@dataclass(frozen=True)
class EncodedColumn:
    name: str
    categories: Optional[Tuple[str, ...]] = None

    @property
    def features(self) -> List[str]:
        if self.categories is None:
            return [self.name]
        return [f"{self.name}={category}" for category in self.categories]


def parse_encoding(columns: Sequence[Mapping[str, Any]], source: str = "settings.encoding") -> Tuple[EncodedColumn, ...]:
    """The encoding ``columns`` of ``encoding.json``; ``ValueError`` naming ``source`` and the bad entry otherwise."""
    parsed = []
    for index, column in enumerate(columns):
        where = f"{source}[{index}]"
        if not isinstance(column, Mapping) or not isinstance(column.get("name"), str):
            raise ValueError(f"{where}: needs a 'name'")
        kind = column.get("encoding")
        if kind == NUMERIC:
            parsed.append(EncodedColumn(column["name"]))
        elif kind == ONE_HOT:
            categories = column.get("categories")
            if not isinstance(categories, (list, tuple)) or not categories:
                raise ValueError(f"{where} ({column['name']!r}): one_hot needs a non-empty 'categories' list")
            parsed.append(EncodedColumn(column["name"], tuple(str(category) for category in categories)))
        else:
            raise ValueError(f"{where} ({column['name']!r}): encoding must be {NUMERIC!r} or {ONE_HOT!r}, got {kind!r}")
    return tuple(parsed)


def encoded_features(columns: Sequence[EncodedColumn]) -> List[str]:
    """The endpoint's input features, in request order."""
    return [feature for column in columns for feature in column.features]
