"""The code an ingestion job runs, laid out as a folder the CDK ships as an asset (zipped).

``ingestion_code_dir`` writes, under ``build/ingestion/<feature group>-<digest>/``::

    feature_group_settings.json    the feature group's spec (``FeatureGroupSpec.model_dump``)
    pipelines_src/...              the step code the build ships (``shipped_files``) and
                                   ``pipelines_src/feature_store/`` (the ingestion job)

The job unpacks the zip into ``/opt/ml/code`` and runs ``python3 -m
pipelines_src.feature_store.ingest_job --config-file feature_group_settings.json ...`` from
there, as the build's steps do. The folder is named after the digest of its content and
written once (into a temporary folder, then renamed), so synthesis stays deterministic and
parallel syntheses never see a half-written folder.
"""

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from pipelines_src.model_build.shipped import PIPELINES_SRC, SHIPPED
from platform_config.features import FeatureGroupSpec
from stacks.rendered_pipelines import REPOSITORY

SETTINGS_FILE = "feature_group_settings.json"
INGESTION_SHIPPED = (*SHIPPED, "feature_store/*.py")
INGESTION_CODE_ROOT = REPOSITORY / "build" / "ingestion"


def ingestion_settings(spec: FeatureGroupSpec) -> bytes:
    """The settings file's bytes: the feature group's spec as JSON, keys sorted."""
    return json.dumps({"feature_group": spec.model_dump(mode="json")}, indent=2, sort_keys=True).encode()


def _files(spec: FeatureGroupSpec) -> dict[str, bytes]:
    sources = sorted({path for pattern in INGESTION_SHIPPED for path in PIPELINES_SRC.glob(pattern) if path.is_file()})
    files = {f"pipelines_src/{path.relative_to(PIPELINES_SRC).as_posix()}": path.read_bytes() for path in sources}
    return {**files, SETTINGS_FILE: ingestion_settings(spec)}


def ingestion_code_dir(spec: FeatureGroupSpec, root: Path = INGESTION_CODE_ROOT) -> Path:
    """The folder of ``spec``'s ingestion code, written if it does not exist yet."""
    files = _files(spec)
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    folder = root / f"{spec.name}-{digest.hexdigest()[:16]}"
    if folder.is_dir():
        return folder
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=root, prefix=".staging-"))
    for name, content in files.items():
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    try:
        os.rename(staging, folder)
    except OSError:
        # Another synthesis renamed the same content into place first.
        if not folder.is_dir():
            raise
        shutil.rmtree(staging)
    return folder
