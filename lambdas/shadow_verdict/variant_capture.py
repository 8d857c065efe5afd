"""One variant's answers in a window, read from the JSON lines SageMaker data capture writes.

Each line is one captured request (``pipelines_src/monitoring/capture.py`` shows the
format); the verdict needs its answer only: ``captureData.endpointOutput`` (the
endpoint's JSON ``{"predictions": [{"probability": p}, ...], "model_version": v}`` or
CSV lines ``p,v``, base64-encoded when ``encoding`` says so) and the request's key,
``eventMetadata.inferenceId`` (the caller's ``InferenceId``, sent with the request
SageMaker replicates to the shadow) or else ``eventMetadata.eventId``.

A record whose ``inferenceTime`` falls outside the window is skipped and counted in
``outside_window``; a line that cannot be used is skipped and counted under its reason
(``REASONS``); a key seen twice keeps its first answer. Nothing in a capture file makes
the reader raise.
"""

import base64
import binascii
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

REASONS = (
    "invalid_json",  # not JSON (a file truncated mid-line), not UTF-8, or no captureData
    "no_event_id",  # neither inferenceId nor eventId
    "missing_output",  # no endpointOutput.data
    "bad_encoding",  # encoding neither CSV, JSON nor valid BASE64
    "unreadable_output",  # no probability per row
    "duplicate_id",  # a key already read
)


@dataclass
class VariantAnswers:
    """Per request key, the probabilities the variant answered (one per row of the request)."""

    answers: dict[str, tuple[float, ...]] = field(default_factory=dict)
    outside_window: int = 0
    malformed: Counter = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        return len(self.answers)


class _Unusable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_answers(lines: Iterable[bytes], window: tuple[str, str], into: VariantAnswers | None = None) -> VariantAnswers:
    """Add the answers of ``lines`` (one capture file) captured in ``window`` = ``(start, end)``,
    ``YYYY-MM-DDTHH:MM:SS`` UTC, to ``into`` (a new ``VariantAnswers`` when None)."""
    result = into if into is not None else VariantAnswers()
    for line in lines:
        if not line.strip():
            continue
        try:
            _read_line(line, window, result)
        except _Unusable as unusable:
            result.malformed[unusable.reason] += 1
    return result


def _read_line(line: bytes, window: tuple[str, str], result: VariantAnswers) -> None:
    try:
        record = json.loads(line)
        capture = record["captureData"]
    except (ValueError, TypeError, KeyError):
        raise _Unusable("invalid_json") from None
    metadata = record.get("eventMetadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    time = metadata.get("inferenceTime")
    if isinstance(time, str) and not window[0] <= time[:19] < window[1]:
        result.outside_window += 1
        return
    key = metadata.get("inferenceId") or metadata.get("eventId")
    if not isinstance(key, str):
        raise _Unusable("no_event_id")
    probabilities = probabilities_of(capture.get("endpointOutput") if isinstance(capture, dict) else None)
    if key in result.answers:
        raise _Unusable("duplicate_id")
    result.answers[key] = probabilities


def probabilities_of(output: object) -> tuple[float, ...]:
    """The probabilities of one captured answer, in row order."""
    if not isinstance(output, dict) or not isinstance(output.get("data"), str):
        raise _Unusable("missing_output")
    encoding = str(output.get("encoding", "")).upper()
    text = output["data"]
    if encoding == "BASE64":
        try:
            text = base64.b64decode(text, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise _Unusable("bad_encoding") from None
    elif encoding not in ("CSV", "JSON"):
        raise _Unusable("bad_encoding")
    try:
        if "json" in str(output.get("observedContentType", "")).lower():
            values = [prediction["probability"] for prediction in json.loads(text)["predictions"]]
        else:
            values = [line.split(",")[0] for line in text.splitlines() if line.strip()]
        probabilities = tuple(float(value) for value in values)
    except (ValueError, TypeError, KeyError, IndexError):
        raise _Unusable("unreadable_output") from None
    if not probabilities or any(not 0.0 <= value <= 1.0 for value in probabilities):
        raise _Unusable("unreadable_output")
    return probabilities
