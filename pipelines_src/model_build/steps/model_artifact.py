"""The model artifact: ``model.tar.gz`` holding ``xgboost-model`` (``Booster.save_model``;
UBJSON for XGBoost 2.1 and later), as SageMaker's built-in XGBoost writes it, and, once
the PackageModel step has added them, the serving files (``steps.package``). Evaluation,
fairness and serving load models one way whatever trained them. Models load from bytes,
which XGBoost reads in any of its formats whatever the file name."""

import gzip
import io
import tarfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import xgboost as xgb

MODEL_FILE = "xgboost-model"
ARCHIVE = "model.tar.gz"


def save_booster(booster: xgb.Booster, model_dir: str | Path) -> Path:
    path = Path(model_dir) / MODEL_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(booster.save_raw(raw_format="ubj")))
    return path


def pack(model_file: str | Path, archive: str | Path, extra_files: Mapping[str, bytes] | None = None) -> Path:
    """``archive`` (model.tar.gz) holding ``model_file`` as ``xgboost-model`` and ``extra_files``
    (archive path: content), sorted, with fixed metadata: the same inputs give the same bytes."""
    archive = Path(archive)
    archive.parent.mkdir(parents=True, exist_ok=True)
    members = {MODEL_FILE: Path(model_file).read_bytes(), **(extra_files or {})}
    # gzip stamps the time into its header unless told otherwise.
    with archive.open("wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as zipped:
        with tarfile.open(fileobj=zipped, mode="w") as tar:
            for name in sorted(members):
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = len(members[name]), 0, 0o644
                tar.addfile(info, io.BytesIO(members[name]))
    return archive


def model_bytes(model_dir: str | Path) -> bytes:
    """The saved booster in ``model_dir``: ``xgboost-model`` of its ``model.tar.gz``, else the file itself."""
    model_dir = Path(model_dir)
    if (model_dir / ARCHIVE).exists():
        with tarfile.open(model_dir / ARCHIVE) as tar:
            return tar.extractfile(tar.getmember(MODEL_FILE)).read()
    if (model_dir / MODEL_FILE).exists():
        return (model_dir / MODEL_FILE).read_bytes()
    raise FileNotFoundError(f"no {ARCHIVE} or {MODEL_FILE} in {model_dir}")


def load_booster(model_dir: str | Path) -> xgb.Booster:
    """The Booster in ``model_dir``: from ``model.tar.gz`` (a training job's output) or ``xgboost-model``.

    It predicts on one thread: the steps score a few hundred rows, which OpenMP's spinning
    threads would slow down on a busy machine."""
    booster = xgb.Booster()
    booster.load_model(bytearray(model_bytes(model_dir)))
    booster.set_param({"nthread": 1})
    return booster


def predict_scores(booster: xgb.Booster, features: np.ndarray) -> np.ndarray:
    """Probability of the positive label per row (the ``binary:logistic`` output)."""
    return booster.predict(xgb.DMatrix(features))
