"""Snapshot step: a feature group's point-in-time training set, and what it resolved to.

    python -m pipelines_src.feature_store.snapshot_job --feature-group loan-applicants \\
        --as-of 2026-11-30T12:00:00Z --output-dir /opt/ml/processing/output/snapshot \\
        --workgroup mlops-feature-store [--store athena|local:<dir>]

Reads the feature group declared in ``--settings`` (``model_settings.json``'s ``feature_group``)
as of ``--as-of`` and writes, under ``--output-dir``, ``records.csv`` (what Preprocess reads) and
``snapshot.json`` (the lineage the registered version records, ``snapshot_files``). The store:
``athena`` (the offline store, through ``athena_snapshot``, in ``--workgroup``) or ``local:<dir>``
(the local twin's offline store, ``local_store``, read with DuckDB; ``--workgroup`` unused).

``--as-of`` is an ISO-8601 time with its zone (``2026-11-30T12:00:00Z``), or ``EXECUTION_START``
(the build pipeline's ``AsOfTime`` default): then it is ``--execution-start``, which the pipeline
fills with the execution's start (UTC). A time in the
future is refused: rows written later would still join the snapshot, so the same as-of time would
not give the same training set twice.

Feature Store moves a record to the offline store up to about 15 minutes after ``PutRecord``,
and the snapshot holds only rows written there by the as-of time (``write_time``): a record put
in the last minutes before it is left out, however late the snapshot is taken. One taken right at
its as-of time may still miss rows whose offline write was not yet visible; the lineage's row
count and CSV digest tell two such snapshots apart.
"""

import argparse
import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from pipelines_src.feature_store import athena_snapshot
from pipelines_src.feature_store.group_settings import FeatureGroup, feature_group_of
from pipelines_src.feature_store.snapshot_files import Snapshot, write_snapshot
from pipelines_src.model_build.steps import container_paths as paths
from pipelines_src.model_build.steps.entrypoint import run
from pipelines_src.model_build.steps.files import read_json

# ISO-8601 as people and SageMaker write it: a 'T' or a space, any fraction of a second, 'Z' or an offset.
_ISO = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)(?:\.(?P<fraction>\d+))?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?$"
)
# AsOfTime's default: SageMaker accepts no empty parameter value, and a parameter's default cannot
# be an execution variable.
EXECUTION_START = "execution-start"
LOCAL = "local:"
# How far ahead of this machine's clock an as-of time may be: clocks differ by a little.
CLOCK_SKEW = timedelta(minutes=1)

logger = logging.getLogger(__name__)


def parse_time(text: str, *, field: str, assume_utc: bool = False) -> datetime:
    """``text`` as an aware UTC datetime; a time without a zone is UTC when ``assume_utc``, else refused."""
    match = _ISO.match(text.strip())
    if not match:
        raise ValueError(f"{field} {text!r} is not an ISO-8601 time such as 2026-11-30T12:00:00Z")
    zone = match["zone"]
    if zone is None and not assume_utc:
        raise ValueError(f"{field} {text!r} has no time zone; give it in UTC, e.g. 2026-11-30T12:00:00Z")
    clock = match["time"] if match["time"].count(":") == 2 else f"{match['time']}:00"
    fraction = (match["fraction"] or "0")[:6].ljust(6, "0")
    offset = "+00:00" if zone in (None, "Z") else f"{zone[:3]}:{zone[-2:]}"
    try:
        parsed = datetime.fromisoformat(f"{match['date']}T{clock}.{fraction}{offset}")
    except ValueError as error:
        raise ValueError(f"{field} {text!r} is not a valid time: {error}") from None
    return parsed.astimezone(timezone.utc)


def resolve_as_of(as_of: str, execution_start: str, now: datetime) -> datetime:
    """``--as-of``, or the execution's start for ``EXECUTION_START``; never later than ``now``."""
    if as_of.strip() != EXECUTION_START:
        resolved = parse_time(as_of, field="--as-of")
    elif execution_start.strip():
        # SageMaker gives the execution's start in UTC.
        resolved = parse_time(execution_start, field="--execution-start", assume_utc=True)
    else:
        raise ValueError(f"--as-of {EXECUTION_START} needs --execution-start, the execution's start")
    if resolved > now + CLOCK_SKEW:
        raise ValueError(
            f"as-of time {resolved.isoformat()} is in the future (now {now.isoformat()}): records written "
            "until then would change the snapshot"
        )
    return resolved


def athena_snapshot_to(output_dir: str, group: FeatureGroup, as_of: datetime, reader: athena_snapshot.AthenaSnapshotReader) -> Snapshot:
    """Read ``group`` as of ``as_of`` with Athena and write ``records.csv`` and ``snapshot.json``."""
    result = reader.read(group, as_of)
    return write_snapshot(
        result.frame,
        output_dir,
        feature_group=group.name,
        store=athena_snapshot.STORE,
        table=result.table,
        as_of=athena_snapshot.iso_utc(as_of),
        query=result.query,
        snapshot_id=result.query_execution_id,
    )


def store_argument(text: str) -> str:
    if text != athena_snapshot.STORE and not (text.startswith(LOCAL) and len(text) > len(LOCAL)):
        raise argparse.ArgumentTypeError(f"{text!r} is neither {athena_snapshot.STORE!r} nor {LOCAL}<folder>")
    return text


def local_snapshot_to(output_dir: str, group: FeatureGroup, as_of: datetime, folder: str) -> Snapshot:
    # The local twin's pyiceberg and DuckDB are not in the job's image: imported only here.
    from pipelines_src.feature_store.local_store import LocalOfflineStore

    return LocalOfflineStore(folder).snapshot(group, as_of, output_dir)


def _athena_reader(workgroup: str) -> athena_snapshot.AthenaSnapshotReader:
    import boto3

    return athena_snapshot.AthenaSnapshotReader(
        sagemaker=boto3.client("sagemaker"), athena=boto3.client("athena"), s3=boto3.client("s3"), workgroup=workgroup
    )


def main(argv: list[str] | None = None, *, now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feature-group", required=True)
    parser.add_argument("--as-of", default=EXECUTION_START)
    parser.add_argument("--execution-start", default="")
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--workgroup", default="")
    parser.add_argument("--store", default=athena_snapshot.STORE, type=store_argument, help=f"athena or {LOCAL}<folder>")
    parser.add_argument("--settings", default=paths.SETTINGS)
    args = parser.parse_args(argv)
    group = feature_group_of(read_json(args.settings), args.feature_group)
    as_of = resolve_as_of(args.as_of, args.execution_start, now())
    if args.store.startswith(LOCAL):
        snapshot = local_snapshot_to(args.output_dir, group, as_of, args.store[len(LOCAL):])
    elif not args.workgroup:
        parser.error("--store athena needs --workgroup")
    else:
        snapshot = athena_snapshot_to(args.output_dir, group, as_of, _athena_reader(args.workgroup))
    logger.info("snapshot of %s as of %s: %d rows, %s", group.name, snapshot.as_of, snapshot.rows, snapshot.lineage())


if __name__ == "__main__":
    run(main)
