"""Turn captured rows in the model's feature encoding (``encoding``) back into the baseline's raw columns.

- a numeric feature is its raw column, as captured;
- a one-hot group with exactly one 1 (the rest 0) is that category; all zeros,
  or all empty, is a missing value; anything else (two 1s, a 2, text, some
  empty) is an invalid value: missing for drift, and a ``data_type_check`` mismatch.
"""

from __future__ import annotations

from typing import Any, Dict, Sequence, Tuple

import numpy as np
import pandas as pd

from pipelines_src.monitoring.encoding import EncodedColumn


def decode(frame: pd.DataFrame, columns: Sequence[EncodedColumn]) -> Tuple[pd.DataFrame, Dict[str, int]]:
    """The raw columns of the encoded ``frame``, and the count of invalid values per raw column."""
    one_hot = [feature for column in columns if column.categories is not None for feature in column.features]
    numbers, present = _numeric_block(frame[one_hot]) if one_hot else (np.empty((len(frame), 0)), None)
    decoded: Dict[str, Any] = {}
    invalid: Dict[str, int] = {}
    start = 0
    for column in columns:
        if column.categories is None:
            decoded[column.name] = frame[column.name]
            continue
        stop = start + len(column.categories)
        block, filled = numbers[:, start:stop], present[:, start:stop]
        start = stop
        ones = block == 1.0
        well_formed = ((block == 0.0) | ones).all(axis=1) & (ones.sum(axis=1) <= 1)
        codes = np.where(ones.any(axis=1) & well_formed, ones.argmax(axis=1), -1)
        decoded[column.name] = pd.Categorical.from_codes(codes, categories=list(column.categories))
        invalid[column.name] = int((filled.any(axis=1) & ~well_formed).sum())
    return pd.DataFrame(decoded, index=frame.index), invalid


def _numeric_block(features: pd.DataFrame) -> Tuple[np.ndarray, np.ndarray]:
    """The features as floats (NaN where not a number) and where a value was given at all."""
    text_columns = [name for name in features.columns if features[name].dtype == object]
    if not text_columns:
        numbers = features.to_numpy(dtype=float)
        return numbers, ~np.isnan(numbers)
    numbers = features.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    present = features.notna().to_numpy(copy=True)
    for name in text_columns:
        position = features.columns.get_loc(name)
        present[:, position] &= (features[name].astype(str).str.strip() != "").to_numpy()
    return numbers, present
