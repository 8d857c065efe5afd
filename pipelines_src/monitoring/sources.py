"""Fetch a run's inputs from S3: the baseline files and the capture (or ground truth) of a time window.

SageMaker writes captured data below ``<capture uri><variant>/yyyy/mm/dd/hh/``
and Model Monitor expects ground truth below ``<uri>yyyy/mm/dd/hh/``. A window
``[start, end)`` reads only the hour folders it overlaps (listing the whole
capture history would grow without bound); records are then filtered by their
``inferenceTime`` (``capture.read_capture``). Variant folders are found by one
delimited listing, so any variant name works.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, List, Tuple

from botocore.exceptions import BotoCoreError, ClientError

from pipelines_src.monitoring.baseline import CONSTRAINTS, STATISTICS, BaselineError

_S3_URI = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/?(.*)$")
_YEAR_FOLDER = re.compile(r"\d{4}/$")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def parse_s3_uri(uri: str) -> Tuple[str, str]:
    """(bucket, key prefix) of ``s3://bucket/prefix``."""
    match = _S3_URI.match(uri)
    if not match:
        raise ValueError(f"not an s3:// URI: {uri!r}")
    return match.group(1), match.group(2)


def parse_time(text: str) -> datetime:
    """An ISO 8601 UTC time such as EventBridge Scheduler's ``2026-11-20T10:00:00Z``."""
    cleaned = text.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def window(end: datetime, hours: int) -> Tuple[str, str]:
    """``(start, end)`` of the ``hours`` before ``end``, as ``YYYY-MM-DDTHH:MM:SS`` UTC."""
    if hours < 1:
        raise ValueError(f"window hours must be >= 1, got {hours}")
    return (end - timedelta(hours=hours)).strftime(TIME_FORMAT), end.strftime(TIME_FORMAT)


def hour_folders(start: str, end: str) -> List[str]:
    """The ``yyyy/mm/dd/hh/`` folders whose hour overlaps ``[start, end)``."""
    moment = datetime.strptime(start, TIME_FORMAT).replace(minute=0, second=0)
    stop = datetime.strptime(end, TIME_FORMAT)
    folders = []
    while moment < stop:
        folders.append(moment.strftime("%Y/%m/%d/%H/"))
        moment += timedelta(hours=1)
    return folders


def download_window(s3: Any, uri: str, bounds: Tuple[str, str], destination: Path) -> List[Path]:
    """Download the objects of the hour folders overlapping ``bounds`` below ``uri`` (directly,
    or below each variant folder) into ``destination``; returns the local files."""
    bucket, prefix = parse_s3_uri(uri)
    prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
    files = []
    for root in _partition_roots(s3, bucket, prefix):
        for folder in hour_folders(*bounds):
            for key in _keys(s3, bucket, root + folder):
                local = destination / key[len(prefix):]
                local.parent.mkdir(parents=True, exist_ok=True)
                s3.download_file(bucket, key, str(local))
                files.append(local)
    return sorted(files)


def download_windows(s3: Any, uris: List[str], bounds: Tuple[str, str], destination: Path) -> List[Path]:
    """``download_window`` of each of ``uris`` (an endpoint's capture, then other sources in the same
    format), each into its own folder below ``destination``; the files of each source in turn."""
    return [path for index, uri in enumerate(uris) for path in download_window(s3, uri, bounds, destination / str(index))]


def download_baseline(s3: Any, uri: str, destination: Path) -> Path:
    """Download ``statistics.json`` and ``constraints.json`` from the folder ``uri`` into ``destination``."""
    bucket, prefix = parse_s3_uri(uri)
    prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
    destination.mkdir(parents=True, exist_ok=True)
    for name in (STATISTICS, CONSTRAINTS):
        try:
            s3.download_file(bucket, prefix + name, str(destination / name))
        except (BotoCoreError, ClientError) as error:
            raise BaselineError(f"{name}: cannot read s3://{bucket}/{prefix}{name} ({error})") from None
    return destination


def download_object(s3: Any, uri: str, destination: Path) -> Path:
    """Download the object ``uri`` to the file ``destination``."""
    bucket, key = parse_s3_uri(uri)
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        s3.download_file(bucket, key, str(destination))
    except (BotoCoreError, ClientError) as error:
        raise ValueError(f"cannot read {uri} ({error})") from None
    return destination


def _partition_roots(s3: Any, bucket: str, prefix: str) -> List[str]:
    children = _child_folders(s3, bucket, prefix)
    if not children or any(_YEAR_FOLDER.search(child) for child in children):
        return [prefix]
    return children


def _child_folders(s3: Any, bucket: str, prefix: str) -> List[str]:
    folders = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, Delimiter="/"):
        folders += [entry["Prefix"] for entry in page.get("CommonPrefixes", [])]
    return folders


def _keys(s3: Any, bucket: str, prefix: str) -> List[str]:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [entry["Key"] for entry in page.get("Contents", []) if not entry["Key"].endswith("/")]
    return keys
