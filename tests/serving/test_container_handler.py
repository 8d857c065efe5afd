"""The script-mode functions the SageMaker XGBoost container calls, on the unpacked artifact."""

import json
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from pipelines_src.model_build.steps.package import SERVING_ENVIRONMENT
from pipelines_src.serving import handler
from pipelines_src.serving.local_server import unpack
from pipelines_src.serving.records import RequestError
from tests.serving.conftest import csv_body


@pytest.fixture(scope="module")
def model_dir(artifact, tmp_path_factory) -> Path:
    return unpack(artifact, tmp_path_factory.mktemp("opt-ml-model"))


def test_the_artifact_holds_booster_spec_and_the_program_the_environment_names(model_dir) -> None:
    assert (model_dir / "xgboost-model").is_file() and (model_dir / "serving.json").is_file()
    assert SERVING_ENVIRONMENT["SAGEMAKER_SUBMIT_DIRECTORY"] == "/opt/ml/model/code"
    assert (model_dir / "code" / SERVING_ENVIRONMENT["SAGEMAKER_PROGRAM"]).is_file()


def test_the_artifact_code_imports_on_its_own(model_dir) -> None:
    """The container has only code/ on its path: the program must not need the repository."""
    probe = (
        "import json, inference, pipelines_src; "
        "print(json.dumps([pipelines_src.__file__, sorted(n for n in ('model_fn','input_fn','predict_fn','output_fn') "
        "if callable(getattr(inference, n)))]))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=model_dir / "code", capture_output=True, text=True,
                            timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    location, functions = json.loads(result.stdout)
    assert Path(location).resolve().is_relative_to((model_dir / "code").resolve())
    assert functions == ["input_fn", "model_fn", "output_fn", "predict_fn"]


def test_the_container_functions_answer_raw_csv(model_dir, raw_rows) -> None:
    model = handler.model_fn(str(model_dir))
    data = handler.input_fn(csv_body(raw_rows[:4]), "text/csv")
    prediction = handler.predict_fn(data, model)
    body = json.loads(handler.output_fn(prediction, "application/json"))
    assert len(body["predictions"]) == 4
    assert all(0.0 <= item["probability"] <= 1.0 for item in body["predictions"])
    assert body["model_version"] == model.spec.model_version


def test_the_container_functions_take_a_text_body(model_dir, raw_rows) -> None:
    model = handler.model_fn(str(model_dir))
    from_bytes = handler.predict_fn(handler.input_fn(csv_body(raw_rows[:1]), "text/csv"), model)
    from_text = handler.predict_fn(handler.input_fn(csv_body(raw_rows[:1]).decode(), "text/csv"), model)
    assert np.array_equal(from_bytes.probabilities, from_text.probabilities)


@pytest.fixture
def toolkit(monkeypatch):
    """The inference toolkit's error class, as the container has it."""

    class BaseInferenceToolkitError(Exception):
        def __init__(self, status_code, message, phrase):
            super().__init__(status_code, message, phrase)
            self.status_code, self.message, self.phrase = status_code, message, phrase

    errors = types.ModuleType("sagemaker_inference.errors")
    errors.BaseInferenceToolkitError = BaseInferenceToolkitError
    monkeypatch.setitem(sys.modules, "sagemaker_inference", types.ModuleType("sagemaker_inference"))
    monkeypatch.setitem(sys.modules, "sagemaker_inference.errors", errors)
    return BaseInferenceToolkitError


def test_a_refused_request_becomes_the_toolkits_4xx_with_the_message(model_dir, toolkit) -> None:
    model = handler.model_fn(str(model_dir))
    with pytest.raises(toolkit) as refused:
        handler.predict_fn(handler.input_fn(b'{"instances": [{"email": "a@b.c"}]}', "application/json"), model)
    assert refused.value.status_code == 400
    assert refused.value.phrase == "Bad Request"
    assert "'email'" in json.loads(refused.value.message)["error"]


def test_an_unsupported_accept_becomes_the_toolkits_406(model_dir, raw_rows, toolkit) -> None:
    model = handler.model_fn(str(model_dir))
    prediction = handler.predict_fn(handler.input_fn(csv_body(raw_rows[:1]), "text/csv"), model)
    with pytest.raises(toolkit) as refused:
        handler.output_fn(prediction, "image/png")
    assert refused.value.status_code == 406


def test_without_the_toolkit_the_request_error_itself_is_raised(model_dir) -> None:
    model = handler.model_fn(str(model_dir))
    with pytest.raises(RequestError, match="content type"):
        handler.predict_fn(handler.input_fn(b"x", "text/plain"), model)
