"""The inference handler: the SageMaker XGBoost container's script-mode functions, and ``invoke``.

The model artifact (``model.tar.gz``) holds ``xgboost-model`` (the booster),
``serving.json`` (``records.ServingSpec``: input columns, PII, transforms, encoding, version)
and ``code/`` (``inference.py``, this package and ``pipelines_src/feature_store/transforms.py``). The registered package sets
``SAGEMAKER_PROGRAM=inference.py`` and ``SAGEMAKER_SUBMIT_DIRECTORY=/opt/ml/model/code``,
so the container calls, per request: ``input_fn(body, content_type)`` -> ``predict_fn(data,
model)`` -> ``output_fn(prediction, accept)``, with ``model_fn(model_dir)`` once at start.

A refused request raises the inference toolkit's ``BaseInferenceToolkitError``, which the
container answers with its status (4xx) and the JSON error as the body; any other
failure would be a 500, and no input reaches that path. ``invoke`` runs the same steps
for the local server and returns (status, body, content type).
"""

from __future__ import annotations

import http
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xgboost as xgb

from pipelines_src.feature_store.transforms import apply_to_record
from pipelines_src.serving.encoder import RecordEncoder
from pipelines_src.serving.records import JSON, RequestError, ServingSpec, parse_request
from pipelines_src.serving.responses import encode_error, encode_predictions, response_type

MODEL_FILE = "xgboost-model"
SPEC_FILE = "serving.json"


@dataclass(frozen=True)
class ServedModel:
    booster: xgb.Booster
    spec: ServingSpec
    encoder: RecordEncoder

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return self.booster.predict(xgb.DMatrix(features))


@dataclass(frozen=True)
class Prediction:
    probabilities: np.ndarray
    model_version: str


def load_model(model_dir: str | Path) -> ServedModel:
    """The booster, spec and encoder in an unpacked model artifact."""
    model_dir = Path(model_dir)
    spec = ServingSpec.from_json(json.loads((model_dir / SPEC_FILE).read_text()))
    booster = xgb.Booster()
    booster.load_model(bytearray((model_dir / MODEL_FILE).read_bytes()))
    # One thread per worker: the container runs a worker per CPU, and a request is a few rows.
    booster.set_param({"nthread": 1})
    return ServedModel(booster, spec, RecordEncoder(spec.encoding))


def model_inputs(spec: ServingSpec, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Checked raw records with the feature group's transforms added, by the function ingestion
    uses: what the encoder turns into the model's features."""
    return [apply_to_record(record, spec.transforms) for record in records]


def predict(model: ServedModel, records: list[dict[str, Any]]) -> Prediction:
    return Prediction(model.probabilities(model.encoder.encode(model_inputs(model.spec, records))), model.spec.model_version)


def invoke(model: ServedModel, body: bytes, content_type: str | None, accept: str | None) -> tuple[int, bytes, str]:
    """(HTTP status, body, content type) of one request, as the endpoint answers it."""
    try:
        media_type = response_type(accept)
        prediction = predict(model, parse_request(body, content_type, model.spec))
    except RequestError as error:
        return error.status, encode_error(error), JSON
    return 200, encode_predictions(prediction.probabilities, prediction.model_version, media_type), media_type


# The SageMaker XGBoost container's script-mode contract. Input is parsed without the model,
# so input_fn keeps the body and content type and predict_fn, which has the model, checks them.
@dataclass(frozen=True)
class Request:
    body: bytes
    content_type: str | None


def model_fn(model_dir: str) -> ServedModel:
    return load_model(model_dir)


def input_fn(request_body: bytes | str, request_content_type: str | None) -> Request:
    body = request_body.encode("utf-8") if isinstance(request_body, str) else bytes(request_body)
    return Request(body, request_content_type)


def predict_fn(input_data: Request, model: ServedModel) -> Prediction:
    try:
        return predict(model, parse_request(input_data.body, input_data.content_type, model.spec))
    except RequestError as error:
        raise container_error(error) from None


def output_fn(prediction: Prediction, accept: str | None) -> bytes:
    try:
        media_type = response_type(accept)
    except RequestError as error:
        raise container_error(error) from None
    return encode_predictions(prediction.probabilities, prediction.model_version, media_type)


def container_error(error: RequestError) -> Exception:
    """The exception the container turns into ``error.status`` with the JSON error as the body
    (``sagemaker_inference``'s; ``error`` itself where that toolkit is absent, as in tests)."""
    try:
        from sagemaker_inference.errors import BaseInferenceToolkitError
    except ImportError:
        return error
    return BaseInferenceToolkitError(error.status, encode_error(error).decode(), http.HTTPStatus(error.status).phrase)
