"""Find captured requests of an endpoint in S3, by id or by the version that answered them.

SageMaker data capture writes JSON-lines files below
``<DestinationS3Uri>/<endpoint>/<variant>/yyyy/mm/dd/hh/`` (``pipelines_src.monitoring.capture``
describes a line). Keys sort in time order within a variant, so a time range is read by listing
each variant from the first hour's folder (``StartAfter``) and stopping past the last one: the
whole capture history is listed only when no time is given.

A record is one request: its ``eventMetadata.inferenceId`` (the caller's ``InferenceId``) and
``eventId`` (SageMaker's) both identify it; its variant is the folder it was written to; the
version that answered is the ``model_version`` of the endpoint's response
(``pipelines_src.monitoring.versions.version_of``). Lines that are not JSON are skipped.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pipelines_src.governance.times import as_utc, iso, parse_utc
from pipelines_src.monitoring.sources import parse_s3_uri
from pipelines_src.monitoring.versions import version_of

HOUR_FOLDER = "%Y/%m/%d/%H"
# A file sits in the hour folder SageMaker wrote it in, which may follow the hour of its records.
FOLDER_SLACK = timedelta(hours=1)


@dataclass(frozen=True)
class CapturedRequest:
    """One captured request and where it was found."""

    uri: str
    variant: str
    line: int
    inference_id: str | None
    event_id: str | None
    time: datetime | None
    answered_as: str | None

    def matches(self, request_id: str) -> bool:
        return request_id in (self.inference_id, self.event_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "inference_id": self.inference_id,
            "event_id": self.event_id,
            "time": iso(self.time),
            "variant": self.variant,
            "answered_as": self.answered_as,
            "capture_file": self.uri,
            "line": self.line,
        }


class CaptureStore:
    """The capture files of one endpoint: ``<destination>/<endpoint>/``."""

    def __init__(self, s3: Any, destination_uri: str, endpoint_name: str) -> None:
        self._s3 = s3
        self.bucket, prefix = parse_s3_uri(destination_uri.rstrip("/") + "/")
        self.prefix = f"{prefix}{endpoint_name}/"

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def requests(self, start: datetime | None = None, end: datetime | None = None) -> Iterator[CapturedRequest]:
        """Every captured request in files of the hour folders from ``start`` to ``end`` (each
        widened by an hour, then filtered by the record's own time), oldest folder first per variant."""
        for variant in self._variants():
            for key in self._keys(variant, start, end):
                for request in self._read(key, variant):
                    if request.time is None or _within(request.time, start, end):
                        yield request

    def find(self, request_id: str, around: datetime | None = None) -> CapturedRequest | None:
        """The request whose inference id or event id is ``request_id``; with ``around``, only the
        files of the hours around that time are read."""
        start = end = None
        if around is not None:
            start, end = around - FOLDER_SLACK, around + FOLDER_SLACK
        return next((request for request in self.requests(start, end) if request.matches(request_id)), None)

    def _variants(self) -> list[str]:
        variants = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix, Delimiter="/"):
            variants += [entry["Prefix"][len(self.prefix):].rstrip("/") for entry in page.get("CommonPrefixes", [])]
        return sorted(variants)

    def _keys(self, variant: str, start: datetime | None, end: datetime | None) -> Iterator[str]:
        folder = f"{self.prefix}{variant}/"
        arguments = {"Bucket": self.bucket, "Prefix": folder}
        if start is not None:
            # Keys of the start hour's folder sort after its name, and keys of earlier hours before it.
            arguments["StartAfter"] = folder + as_utc(start).strftime(HOUR_FOLDER)
        last = None if end is None else folder + (as_utc(end) + FOLDER_SLACK).strftime(HOUR_FOLDER) + "/~"
        for page in self._s3.get_paginator("list_objects_v2").paginate(**arguments):
            for entry in page.get("Contents", []):
                if last is not None and entry["Key"] > last:
                    return
                yield entry["Key"]

    def _read(self, key: str, variant: str) -> Iterator[CapturedRequest]:
        body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        for number, line in enumerate(body.iter_lines(), start=1):
            record = _json(line)
            if record is None:
                continue
            metadata = record.get("eventMetadata") if isinstance(record.get("eventMetadata"), dict) else {}
            yield CapturedRequest(
                uri=f"s3://{self.bucket}/{key}",
                variant=variant,
                line=number,
                inference_id=_text(metadata.get("inferenceId")),
                event_id=_text(metadata.get("eventId")),
                time=_time(metadata.get("inferenceTime")),
                answered_as=version_of(record),
            )


def _json(line: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _time(value: Any) -> datetime | None:
    try:
        return parse_utc(value, field="inferenceTime") if isinstance(value, str) else None
    except ValueError:
        return None


def _within(moment: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or moment >= start) and (end is None or moment < end)
