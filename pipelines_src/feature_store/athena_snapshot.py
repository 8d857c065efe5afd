"""The point-in-time snapshot of a feature group's offline store, read with Athena.

``AthenaSnapshotReader.read`` resolves the offline table from ``DescribeFeatureGroup``
(``OfflineStoreConfig.DataCatalogConfig``: catalog, database, table), runs
``point_in_time.snapshot_query(..., dialect="athena")`` as of the given time in the workgroup
(which decides where results go and encrypts them), polls ``GetQueryExecution`` until the query
ends, and reads its CSV result from S3. A query that fails, is cancelled or outlives ``timeout``
(it is then stopped) raises ``SnapshotQueryError`` with the query execution id and Athena's reason.

The result comes back as text cells (empty cells null), as Athena wrote them: ``snapshot_files``
writes them to ``records.csv`` the way the local store's snapshot is written, and the query
execution id is the snapshot id lineage records.

Stdlib, pandas and botocore-style clients only: the build pipeline's Snapshot job runs it.
"""

import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from pipelines_src.feature_store.point_in_time import iso_utc, snapshot_query

TERMINAL_STATES = frozenset({"SUCCEEDED", "FAILED", "CANCELLED"})
STORE = "athena"

logger = logging.getLogger(__name__)


class SnapshotQueryError(RuntimeError):
    """The snapshot could not be read: no offline table, or the Athena query did not succeed."""


@dataclass(frozen=True)
class OfflineTable:
    catalog: str
    database: str
    table: str

    @property
    def qualified(self) -> str:
        return f"{self.database}.{self.table}"


@dataclass(frozen=True)
class AthenaResult:
    """A snapshot's rows (text cells, empty cells null), the query that read them, the table it
    read and the query execution id."""

    frame: pd.DataFrame
    query: str
    table: str
    query_execution_id: str


def offline_table(sagemaker: Any, feature_group: str) -> OfflineTable:
    """The Glue table of ``feature_group``'s offline store; ``SnapshotQueryError`` when it has none."""
    description = sagemaker.describe_feature_group(FeatureGroupName=feature_group)
    catalog = (description.get("OfflineStoreConfig") or {}).get("DataCatalogConfig")
    if not catalog:
        raise SnapshotQueryError(
            f"feature group {feature_group!r} has no offline store table (DescribeFeatureGroup returned no "
            "OfflineStoreConfig.DataCatalogConfig): a snapshot reads the offline store"
        )
    status = (description.get("OfflineStoreStatus") or {}).get("Status")
    if status not in (None, "Active"):
        logger.warning("feature group %s: offline store status is %s", feature_group, status)
    return OfflineTable(catalog=catalog["Catalog"], database=catalog["Database"], table=catalog["TableName"])


def read_result(data: bytes) -> pd.DataFrame:
    """An Athena CSV result as text cells; only empty cells are null (``NA`` is a value)."""
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, na_values=[""])


def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise SnapshotQueryError(f"query result location {uri!r} is not an s3://bucket/key URI")
    bucket, key = uri[5:].split("/", 1)
    return bucket, key


class AthenaSnapshotReader:
    """Reads snapshots with the given ``sagemaker``, ``athena`` and ``s3`` clients in ``workgroup``."""

    def __init__(
        self,
        *,
        sagemaker: Any,
        athena: Any,
        s3: Any,
        workgroup: str,
        poll_seconds: float = 2.0,
        timeout_seconds: float = 1800.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sagemaker, self.athena, self.s3, self.workgroup = sagemaker, athena, s3, workgroup
        self.poll_seconds, self.timeout_seconds, self.sleep, self.clock = poll_seconds, timeout_seconds, sleep, clock

    def read(self, group: Any, as_of: datetime) -> AthenaResult:
        """``group`` (``name``, ``record_identifier``, ``event_time``, ``features``) as of ``as_of``."""
        table = offline_table(self.sagemaker, group.name)
        query = snapshot_query(table.qualified, group, as_of, dialect="athena")
        execution_id = self.athena.start_query_execution(
            QueryString=query,
            QueryExecutionContext={"Catalog": table.catalog, "Database": table.database},
            WorkGroup=self.workgroup,
        )["QueryExecutionId"]
        logger.info("snapshot of %s as of %s: Athena query %s", group.name, iso_utc(as_of), execution_id)
        execution = self._wait(execution_id)
        location = (execution.get("ResultConfiguration") or {}).get("OutputLocation")
        if not location:
            raise SnapshotQueryError(f"Athena query {execution_id} succeeded but names no result location")
        bucket, key = split_s3_uri(location)
        frame = read_result(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        return AthenaResult(frame=frame, query=query, table=table.qualified, query_execution_id=execution_id)

    def _wait(self, execution_id: str) -> dict[str, Any]:
        deadline = self.clock() + self.timeout_seconds
        while True:
            execution = self.athena.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]
            status = execution["Status"]
            state = status["State"]
            if state == "SUCCEEDED":
                return execution
            if state in TERMINAL_STATES:
                raise SnapshotQueryError(_failure(execution_id, self.workgroup, status))
            if self.clock() >= deadline:
                self.athena.stop_query_execution(QueryExecutionId=execution_id)
                raise SnapshotQueryError(
                    f"Athena query {execution_id} in workgroup {self.workgroup!r} still {state} after "
                    f"{self.timeout_seconds:g} s: stopped"
                )
            self.sleep(self.poll_seconds)


def _failure(execution_id: str, workgroup: str, status: dict[str, Any]) -> str:
    reason = status.get("StateChangeReason") or "no reason given"
    error = status.get("AthenaError") or {}
    kind = ", ".join(f"{name} {error[name]}" for name in ("ErrorCategory", "ErrorType") if name in error)
    return f"Athena query {execution_id} in workgroup {workgroup!r} {status['State']}: {reason}" + (f" ({kind})" if kind else "")
