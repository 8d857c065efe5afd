"""The offline store's table: the feature group's features plus the columns Feature Store adds.

SageMaker Feature Store appends three columns to every row it writes to the offline store:
``write_time`` (when the row reached the offline store), ``api_invocation_time`` (when PutRecord
was called) and ``is_deleted`` (a DeleteRecord tombstone). Both timestamps are UTC without a zone.
The local store writes the same columns, so one query reads either. Stdlib only: the processing
jobs import it.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from platform_config.features import FeatureGroupSpec

WRITE_TIME = "write_time"
API_INVOCATION_TIME = "api_invocation_time"
IS_DELETED = "is_deleted"
EXTRA_COLUMNS = (WRITE_TIME, API_INVOCATION_TIME, IS_DELETED)

# The Glue/Athena column type Feature Store gives each feature type in the offline table.
OFFLINE_TYPES = {"String": "string", "Integral": "bigint", "Fractional": "double"}
EXTRA_TYPES = {WRITE_TIME: "timestamp", API_INVOCATION_TIME: "timestamp", IS_DELETED: "boolean"}


def feature_columns(group: "FeatureGroupSpec") -> tuple[str, ...]:
    """The feature names of ``group``, in declaration order: what a snapshot returns."""
    return tuple(feature.name for feature in group.features)


def offline_schema(group: "FeatureGroupSpec") -> tuple[tuple[str, str], ...]:
    """(column, Athena type) of ``group``'s offline table: its features, then the extra columns."""
    features = tuple((feature.name, OFFLINE_TYPES[feature.type]) for feature in group.features)
    clash = sorted(set(feature_columns(group)) & set(EXTRA_COLUMNS))
    if clash:
        raise ValueError(f"feature group {group.name!r}: features {clash} clash with Feature Store's own columns")
    return features + tuple(EXTRA_TYPES.items())
