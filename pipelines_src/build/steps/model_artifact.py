"""The model artifact as SageMaker's built-in XGBoost writes it: ``model.tar.gz`` holding
one file, ``xgboost-model`` (``Booster.save_model``; UBJSON for XGBoost 2.1 and later).
The local runner packs the same archive, so evaluation, fairness and serving load models
one way whatever trained them. Models load from bytes, which XGBoost reads in any of its
formats whatever the file name."""

import gzip
import io
import tarfile
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


def pack(model_file: str | Path, archive: str | Path) -> Path:
    """``archive`` (model.tar.gz) holding ``model_file`` as ``xgboost-model``, with fixed metadata."""
    archive = Path(archive)
    archive.parent.mkdir(parents=True, exist_ok=True)
    data = Path(model_file).read_bytes()
    info = tarfile.TarInfo(MODEL_FILE)
    info.size, info.mtime, info.mode = len(data), 0, 0o644
    # gzip stamps the time into its header unless told otherwise.
    with archive.open("wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as zipped:
        with tarfile.open(fileobj=zipped, mode="w") as tar:
            tar.addfile(info, io.BytesIO(data))
    return archive


def load_booster(model_dir: str | Path) -> xgb.Booster:
    """The Booster in ``model_dir``: from ``model.tar.gz`` (a training job's output) or ``xgboost-model``.

    It predicts on one thread: the steps score a few hundred rows, which OpenMP's spinning
    threads would slow down on a busy machine."""
    model_dir = Path(model_dir)
    if (model_dir / ARCHIVE).exists():
        with tarfile.open(model_dir / ARCHIVE) as tar:
            raw = tar.extractfile(tar.getmember(MODEL_FILE)).read()
    elif (model_dir / MODEL_FILE).exists():
        raw = (model_dir / MODEL_FILE).read_bytes()
    else:
        raise FileNotFoundError(f"no {ARCHIVE} or {MODEL_FILE} in {model_dir}")
    booster = xgb.Booster()
    booster.load_model(bytearray(raw))
    booster.set_param({"nthread": 1})
    return booster


def predict_scores(booster: xgb.Booster, features: np.ndarray) -> np.ndarray:
    """Probability of the positive label per row (the ``binary:logistic`` output)."""
    return booster.predict(xgb.DMatrix(features))
