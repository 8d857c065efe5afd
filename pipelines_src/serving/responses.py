"""The endpoint's answers: probabilities with the version that computed them, or an error.

- ``application/json`` (the default, also for ``*/*`` or no Accept)::

      {"predictions": [{"probability": 0.83}, ...], "model_version": "<build execution id>"}

- ``text/csv``: one line per row, ``<probability>,<model_version>``.

An error is always JSON: ``{"error": "<message naming the row and column>"}``.
``model_version`` is the id of the build pipeline execution that made the artifact; the
registered package records it as ``ModelVersion`` in its ``CustomerMetadataProperties``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from pipelines_src.serving.records import CSV, JSON, RequestError

ANY = "*/*"


def response_type(accept: str | None) -> str:
    """The media type to answer in, from the Accept header; 406 when neither JSON nor CSV is acceptable."""
    if not accept:
        return JSON
    offered = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    for media_type in offered:
        if media_type in (JSON, ANY, "application/*"):
            return JSON
        if media_type in (CSV, "text/*"):
            return CSV
    raise RequestError(f"Accept {accept!r} is not supported: accept {JSON} or {CSV}", status=406)


def encode_predictions(probabilities: Sequence[float], model_version: str, media_type: str) -> bytes:
    if media_type == CSV:
        return "".join(f"{float(probability):.17g},{model_version}\n" for probability in probabilities).encode()
    payload = {"predictions": [{"probability": float(probability)} for probability in probabilities],
               "model_version": model_version}
    return json.dumps(payload).encode()


def encode_error(error: RequestError) -> bytes:
    return json.dumps({"error": str(error)}).encode()
