"""Data-quality checks of captured rows against ``constraints.json``, with Model Monitor's check names.

Values are first typed by the baseline's ``inferred_type`` (``typed_columns``):
numeric features become floats, a value that is not a number (or, for an
Integral feature, has a fraction) is a type mismatch and missing for drift;
string features stay strings. Empty values are missing.

One violation per feature and check (``data_quality_violations`` counts them):

- ``missing_column_check``: a baseline feature no captured row carries (JSON objects without the key);
- ``extra_column_check``: a key the baseline does not know;
- ``completeness_check``: share of present values below the feature's ``completeness``;
- ``data_type_check``: share of present values of the baseline type below
  ``monitoring_config.datatype_check_threshold`` (default 1.0: any mismatch);
- ``categorical_values_check``: share of present values inside ``string_constraints.domains``
  below ``monitoring_config.domain_content_threshold`` (default 1.0: any unknown value);
- ``non_negative_check``: a negative value in a feature with ``num_constraints.is_non_negative``.

CSV rows with the wrong number of values never get here: the capture reader
counts them as malformed (``wrong_column_count``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from pipelines_src.monitoring.baseline import Baseline, NumericBaseline

MISSING_COLUMN = "missing_column_check"
EXTRA_COLUMN = "extra_column_check"
COMPLETENESS = "completeness_check"
DATA_TYPE = "data_type_check"
CATEGORICAL_VALUES = "categorical_values_check"
NON_NEGATIVE = "non_negative_check"


@dataclass(frozen=True)
class Violation:
    feature: str
    check: str
    description: str


@dataclass(frozen=True)
class FeatureQuality:
    """Counts over a feature's captured values (``present`` excludes empty values)."""

    feature: str
    rows: int
    present: int
    type_mismatches: int
    outside_domain: int
    negative: int

    @property
    def completeness(self) -> float:
        return self.present / self.rows if self.rows else float("nan")


@dataclass(frozen=True)
class TypedColumns:
    """Baseline features' values, typed; ``present`` and ``mismatches`` per feature."""

    values: Dict[str, pd.Series]
    present: Dict[str, int]
    mismatches: Dict[str, int]

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.values)


def typed_columns(frame: pd.DataFrame, baseline: Baseline, invalid: Optional[Dict[str, int]] = None) -> TypedColumns:
    """The baseline features found in ``frame``, typed by the baseline's inferred type.
    ``invalid`` counts values per feature that were present but could not be decoded
    (already missing in ``frame``): they count as present and as type mismatches."""
    invalid = invalid or {}
    values, present, mismatches = {}, {}, {}
    for feature in baseline.features:
        if feature.name not in frame:
            continue
        raw = frame[feature.name]
        empty = raw.isna()
        if raw.dtype == object:
            empty = empty | (raw.astype(str).str.strip() == "")
        present[feature.name] = int((~empty).sum()) + invalid.get(feature.name, 0)
        if isinstance(feature, NumericBaseline):
            numbers = pd.to_numeric(raw, errors="coerce").astype(float)
            bad = numbers.isna() & ~empty
            if feature.inferred_type == "Integral":
                fractional = numbers.notna() & (numbers % 1 != 0)
                bad = bad | fractional
                numbers = numbers.mask(fractional)
            values[feature.name] = numbers
            mismatches[feature.name] = int(bad.sum()) + invalid.get(feature.name, 0)
        else:
            # Present values of a string column are already str (the reader and the decoder see to it).
            values[feature.name] = raw if raw.dtype.name == "category" else raw.astype(object).where(~empty, np.nan)
            mismatches[feature.name] = invalid.get(feature.name, 0)
    return TypedColumns(values=values, present=present, mismatches=mismatches)


def data_quality(
    typed: TypedColumns,
    baseline: Baseline,
    *,
    rows: int,
    missing_columns: Sequence[str] = (),
    extra_columns: Sequence[str] = (),
) -> Tuple[List[FeatureQuality], List[Violation]]:
    """Per-feature counts and the violations of ``baseline``'s constraints."""
    violations = [
        Violation(name, MISSING_COLUMN, "no captured row carries this feature")
        for name in missing_columns
        if name in baseline.feature_names
    ]
    violations += [
        Violation(name, EXTRA_COLUMN, "captured rows carry a feature the baseline does not know")
        for name in extra_columns
    ]
    qualities = []
    for name, series in typed.values.items():
        if name in missing_columns:
            continue
        constraint = baseline.constraints.get(name)
        present = typed.present[name]
        mismatches = typed.mismatches[name]
        outside_domain = negative = 0
        if constraint is not None and constraint.domains is not None:
            known = series.dropna()
            outside_domain = int((~known.isin(constraint.domains)).sum())
        if constraint is not None and constraint.is_non_negative and series.dtype.kind == "f":
            negative = int((series < 0).sum())
        quality = FeatureQuality(name, rows, present, mismatches, outside_domain, negative)
        qualities.append(quality)
        if constraint is not None:
            violations += _violations(quality, constraint, baseline)
    return qualities, violations


def _violations(quality: FeatureQuality, constraint, baseline: Baseline) -> List[Violation]:
    found = []
    name = quality.feature
    if constraint.completeness is not None and quality.rows and quality.completeness < constraint.completeness:
        found.append(Violation(name, COMPLETENESS, f"completeness {quality.completeness:.4f} is below the "
                                                   f"baseline's {constraint.completeness:.4f}"))
    if quality.present:
        typed_share = 1 - quality.type_mismatches / quality.present
        if typed_share < baseline.datatype_check_threshold:
            found.append(Violation(name, DATA_TYPE, f"{quality.type_mismatches} of {quality.present} values are "
                                                    f"not {constraint.inferred_type or 'of the baseline type'}"))
        in_domain = 1 - quality.outside_domain / quality.present
        if constraint.domains is not None and in_domain < baseline.domain_content_threshold:
            found.append(Violation(name, CATEGORICAL_VALUES, f"{quality.outside_domain} of {quality.present} "
                                                             "values are outside the baseline's domain"))
    if quality.negative:
        found.append(Violation(name, NON_NEGATIVE, f"{quality.negative} negative values"))
    return found
