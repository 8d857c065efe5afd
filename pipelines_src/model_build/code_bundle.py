"""The step code the pipeline's containers run: a folder, and its zip.

``write_code_dir`` lays out (under ``build/pipelines/<model>/code/``, the CDK asset)::

    model_settings.json                      the model's settings (model_settings)
    pipelines_src/__init__.py
    pipelines_src/metrics/*.py               the metrics steps and monitors share
    pipelines_src/model_build/__init__.py
    pipelines_src/model_build/steps/*.py
    pipelines_src/serving/*.py               the inference code PackageModel puts in the artifact

Each processing step unpacks the zip of this folder into ``/opt/ml/code`` and runs
``python3 -m pipelines_src.model_build.steps.<step>`` from there. Nothing else of the
repository ships: the steps import no other module.

``archive`` zips the folder reproducibly (sorted entries, fixed timestamps and
permissions), so the same code gives the same bytes and the same content-addressed key.
"""

import hashlib
import io
import shutil
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines_src.model_build.model_settings import write_model_settings
from pipelines_src.model_build.shipped import PIPELINES_SRC, shipped_files

if TYPE_CHECKING:
    from platform_config.features import FeatureGroupSpec
    from platform_config.models import ModelConfig

# 1980-01-01, the earliest time a zip entry can hold.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def write_code_dir(model: "ModelConfig", destination: str | Path, feature_group: "FeatureGroupSpec | None" = None) -> Path:
    """Replace ``destination`` with the step code and ``model``'s settings; with ``feature_group``,
    the settings of a build whose Preprocess reads that group's snapshot (``model_settings``)."""
    destination = Path(destination)
    if destination.exists():
        shutil.rmtree(destination)
    for source in shipped_files():
        target = destination / "pipelines_src" / source.relative_to(PIPELINES_SRC)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    write_model_settings(model, destination, feature_group)
    return destination


def archive(code_dir: str | Path) -> bytes:
    """The zip of ``code_dir``, byte-identical for identical contents."""
    code_dir = Path(code_dir)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(item for item in code_dir.rglob("*") if item.is_file() and "__pycache__" not in item.parts):
            entry = zipfile.ZipInfo(path.relative_to(code_dir).as_posix(), date_time=_ZIP_EPOCH)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(entry, path.read_bytes())
    return buffer.getvalue()


def archive_key(prefix: str, data: bytes) -> str:
    """``<prefix><sha256>.zip``: a new key for new code, the same key for the same code."""
    return f"{prefix}{hashlib.sha256(data).hexdigest()}.zip"
