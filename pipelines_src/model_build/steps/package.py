"""PackageModel step: the serving artifact, ``model.tar.gz`` with the encoding and inference code inside.

Reads the trained booster (``--model-dir``: the training job's ``model.tar.gz``), the
model settings and ``encoding.json`` (``--metadata-dir``), and writes
``--output-dir/model.tar.gz`` holding::

    xgboost-model                      the booster, unchanged
    serving.json                       pipelines_src.serving.records.ServingSpec: input columns
                                       (contract order, with their checks), PII, label, sensitive
                                       attributes, the encoding, and model_version
    code/inference.py                  SAGEMAKER_PROGRAM
    code/pipelines_src/__init__.py
    code/pipelines_src/serving/*.py    parsing, encoding, responses, the handler (not the local server)
    code/pipelines_src/feature_store/{__init__,transforms}.py
                                       the feature group's transforms, as ingestion computes them

``--model-version`` is what every response names as the version that answered: the
build pipeline execution id (``local:<time>`` for a local run); the registered package
records the same value as ``ModelVersion`` in its metadata. The archive is byte-identical
for identical inputs.
"""

import argparse
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipelines_src.model_build.steps import container_paths as paths
from pipelines_src.model_build.steps.entrypoint import run
from pipelines_src.model_build.steps.features import ENCODING_FILE
from pipelines_src.model_build.steps.files import read_json
from pipelines_src.model_build.steps.model_artifact import ARCHIVE, MODEL_FILE, model_bytes, pack
from pipelines_src.serving.handler import SPEC_FILE
from pipelines_src.serving.records import spec_columns

PIPELINES_SRC = Path(__file__).resolve().parents[2]
SERVING_PACKAGE = PIPELINES_SRC / "serving"
# The one module outside serving/ the handler imports: ingestion's transforms.
SHARED_MODULES = ("feature_store/__init__.py", "feature_store/transforms.py")
PROGRAM = "inference.py"
CODE_DIR = "code"
# Where the endpoint container finds the code: the artifact unpacks into /opt/ml/model.
SUBMIT_DIRECTORY = f"/opt/ml/model/{CODE_DIR}"
# The registered package's container environment: script mode with the artifact's own code.
# Not for the container: the program sits at the top of code/, the local server runs on laptops.
LOCAL_ONLY = frozenset({PROGRAM, "local_server.py"})
SERVING_ENVIRONMENT = {"SAGEMAKER_PROGRAM": PROGRAM, "SAGEMAKER_SUBMIT_DIRECTORY": SUBMIT_DIRECTORY}

logger = logging.getLogger(__name__)


def serving_spec(settings: Mapping[str, Any], encoding: Mapping[str, Any], model_version: str) -> dict[str, Any]:
    """``serving.json``: what the endpoint accepts (from the contract) and how it encodes it (the build's encoding)."""
    if not model_version:
        raise ValueError("--model-version is empty: every response must name the version that answered")
    contract = settings["contract"]
    return {
        "model_version": model_version,
        "columns": spec_columns(contract),
        "pii": [rule["name"] for rule in contract.get("pii", ())],
        "label": contract["label"],
        "sensitive_attributes": [attribute["column"] for attribute in settings["sensitive_attributes"]],
        "encoding": list(encoding["columns"]),
        "transforms": list((settings.get("feature_group") or {}).get("transforms", [])),
    }


def code_files() -> dict[str, bytes]:
    """The inference code as the archive holds it, under ``code/``."""
    files = {f"{CODE_DIR}/{PROGRAM}": (SERVING_PACKAGE / PROGRAM).read_bytes(),
             f"{CODE_DIR}/pipelines_src/__init__.py": (PIPELINES_SRC / "__init__.py").read_bytes()}
    for source in sorted(SERVING_PACKAGE.glob("*.py")):
        if source.name in LOCAL_ONLY:
            continue
        files[f"{CODE_DIR}/pipelines_src/serving/{source.name}"] = source.read_bytes()
    for module in SHARED_MODULES:
        files[f"{CODE_DIR}/pipelines_src/{module}"] = (PIPELINES_SRC / module).read_bytes()
    return files


def package(model_dir: str | Path, settings: Mapping[str, Any], encoding: Mapping[str, Any], model_version: str,
            output_dir: str | Path) -> Path:
    """Write the serving ``model.tar.gz`` into ``output_dir``; returns its path."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    booster = output_dir / f".{MODEL_FILE}"
    booster.write_bytes(model_bytes(model_dir))
    spec = json.dumps(serving_spec(settings, encoding, model_version), indent=2, sort_keys=True).encode()
    try:
        return pack(booster, output_dir / ARCHIVE, {SPEC_FILE: spec, **code_files()})
    finally:
        booster.unlink()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default=paths.SETTINGS)
    parser.add_argument("--model-dir", default=paths.MODEL)
    parser.add_argument("--metadata-dir", default=paths.METADATA)
    parser.add_argument("--model-version", required=True)
    parser.add_argument("--output-dir", default=f"{paths.OUTPUT}/model")
    args = parser.parse_args(argv)
    archive = package(args.model_dir, read_json(args.settings), read_json(Path(args.metadata_dir) / ENCODING_FILE),
                      args.model_version, args.output_dir)
    logger.info("packaged %s for version %s", archive, args.model_version)


if __name__ == "__main__":
    run(main)
