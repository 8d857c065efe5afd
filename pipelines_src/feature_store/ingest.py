"""Ingestion's pure part: raw rows in, the feature group's records and the quarantine out.

``prepare`` checks every row against the feature group's data contract with the build's own
contract code (``steps.contract``), extended with the group's record identifier and event time;
removes personal data with the build's ``steps.pii``; adds the declared transforms
(``transforms``); and keeps the group's features in declaration order. A row that breaks a rule
goes to the quarantine, with every reason in ``quarantine_reason`` and its ``source_line`` in
the input file; nothing is dropped silently. The quarantine holds the row as read but for its
PII, removed the same way (the raw file keeps the original for whoever may read it).
A file whose header does not fit the contract is refused whole (``ContractViolationError``), and a
share of bad rows above the group's ``max_bad_row_rate`` is refused whole (``BadRowRateError``):
the caller then writes nothing, to the store or to the quarantine.

Event time: an ISO-8601 UTC string as Feature Store accepts it (``2026-01-31T12:00:00Z`` or
``...12:00:00.000Z``), or epoch seconds for a Fractional event time.
"""

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pipelines_src.feature_store import transforms as feature_transforms
from pipelines_src.model_build.steps import contract as data_contract
from pipelines_src.model_build.steps.pii import remove_pii

if TYPE_CHECKING:
    from platform_config.features import FeatureGroupSpec

QUARANTINE_REASON = "quarantine_reason"
SOURCE_LINE = "source_line"
# How many distinct reasons an error message quotes.
MAX_REASONS = 5
_ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$")
_KEY_TYPES = {"String": "string", "Integral": "integer", "Fractional": "float"}


@dataclass(frozen=True)
class Prepared:
    """``records``: the group's features, typed, one row per good input row, PII removed and
    transforms added; ``quarantined``: the bad rows as read plus ``quarantine_reason``;
    ``report``: counts, the bad-row rate, the reasons and what PII handling was applied."""

    records: pd.DataFrame
    quarantined: pd.DataFrame
    report: dict[str, Any]


class BadRowRateError(ValueError):
    """More bad rows than the group allows; ``prepared`` holds what would have been written."""

    def __init__(self, message: str, prepared: Prepared) -> None:
        super().__init__(message)
        self.prepared = prepared


def ingestion_contract(group: "FeatureGroupSpec", contract: Mapping[str, Any]) -> dict[str, Any]:
    """``contract`` plus the group's record identifier and event time when it does not declare them
    (not nullable, typed as the group's features)."""
    declared = {rule["name"] for rule in contract["columns"]}
    types = {feature.name: feature.type for feature in group.features}
    keys = [
        {"name": name, "type": _KEY_TYPES[types[name]], "nullable": False}
        for name in (group.record_identifier, group.event_time)
        if name not in declared
    ]
    return {**contract, "columns": [*keys, *contract["columns"]]}


def prepare(raw_df: pd.DataFrame, group: "FeatureGroupSpec", contract: Mapping[str, Any], pii_key: bytes) -> Prepared:
    """Check, clean and transform ``raw_df`` (text cells, empty cells null, as
    ``steps.contract.read_raw`` reads a file) into ``group``'s records (see the module docstring)."""
    checked = ingestion_contract(group, contract)
    header_problems = [problem for problem in data_contract.violations(raw_df.head(0), checked) if problem != "no data rows"]
    if header_problems:
        raise data_contract.ContractViolationError(f"feature group {group.name!r} input", header_problems)
    reasons = data_contract.row_problems(raw_df, checked)
    reasons = _append(reasons, _event_time_problems(raw_df[group.event_time], group))
    bad = reasons != ""
    quarantined = remove_pii(raw_df[bad], checked.get("pii", ()), pii_key)
    # Line 1 of the file is the header, so row i of the frame is line i + 2.
    quarantined[SOURCE_LINE] = np.flatnonzero(bad.to_numpy()) + 2
    quarantined[QUARANTINE_REASON] = reasons[bad]
    good = data_contract.conform(raw_df[~bad], checked)
    cleaned = remove_pii(good, checked.get("pii", ()), pii_key)
    records = _with_transforms(cleaned, [spec.model_dump(mode="json") for spec in group.transforms])
    missing = [name for name in _feature_names(group) if name not in records.columns]
    if missing:
        raise ValueError(f"feature group {group.name!r}: features {missing} come from no column of the data contract or transform")
    records = records[_feature_names(group)].reset_index(drop=True)
    rate = float(bad.mean()) if len(raw_df) else 0.0
    counted = Counter(reason for line in reasons[bad] for reason in line.split("; "))
    report = {
        "feature_group": group.name,
        "rows_read": len(raw_df),
        "rows_ingested": len(records),
        "rows_quarantined": int(bad.sum()),
        "bad_row_rate": rate,
        "max_bad_row_rate": group.max_bad_row_rate,
        "reasons": dict(counted.most_common()),
        "pii": {action: [rule["name"] for rule in checked.get("pii", ()) if rule["action"] == action] for action in ("drop", "pseudonymize")},
        "transforms": feature_transforms.outputs([spec.model_dump(mode="json") for spec in group.transforms]),
    }
    prepared = Prepared(records=records, quarantined=quarantined.reset_index(drop=True), report=report)
    if rate > group.max_bad_row_rate:
        shown = "; ".join(f"{reason} ({count} row(s))" for reason, count in counted.most_common(MAX_REASONS))
        raise BadRowRateError(
            f"feature group {group.name!r}: {int(bad.sum())} of {len(raw_df)} rows are bad ({rate:.2%}), above "
            f"max_bad_row_rate {group.max_bad_row_rate:.2%}; nothing was ingested. Reasons: {shown}",
            prepared,
        )
    return prepared


def _feature_names(group: "FeatureGroupSpec") -> list[str]:
    return [feature.name for feature in group.features]


def _event_time_problems(values: pd.Series, group: "FeatureGroupSpec") -> pd.Series:
    event_type = next(feature.type for feature in group.features if feature.name == group.event_time)
    if event_type != "String":
        return pd.Series("", index=values.index, dtype=object)
    text = f"column {group.event_time!r}: not an ISO-8601 UTC time such as 2026-01-31T12:00:00Z"
    return pd.Series(["" if value is None or _is_iso_utc(value) else text for value in values], index=values.index, dtype=object)


def _is_iso_utc(value: str) -> bool:
    if not _ISO_UTC.match(value):
        return False
    try:
        # The jobs run on the image's Python 3.10, whose fromisoformat refuses a trailing "Z".
        datetime.fromisoformat(value[:-1] + "+00:00")
    except ValueError:
        return False
    return True


def _append(reasons: pd.Series, more: pd.Series) -> pd.Series:
    return pd.Series(
        [f"{first}; {second}" if first and second else first or second for first, second in zip(reasons, more)],
        index=reasons.index,
        dtype=object,
    )


def _with_transforms(frame: pd.DataFrame, transforms: list[dict[str, Any]]) -> pd.DataFrame:
    """``frame`` with each transform's output, computed by the function the endpoint uses."""
    derived = frame.copy()
    for transform in transforms:
        columns = [derived[name].astype(object).where(derived[name].notna(), None) for name in transform["inputs"]]
        derived[transform["output"]] = pd.Series(
            [feature_transforms.value(transform, list(inputs)) for inputs in zip(*columns)], index=derived.index, dtype="float64"
        )
    return derived
