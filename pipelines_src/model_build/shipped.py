"""Which files of ``pipelines_src`` the pipeline's containers run (stdlib only: the synth imports it)."""

from pathlib import Path

PIPELINES_SRC = Path(__file__).resolve().parent.parent
SHIPPED = (
    "__init__.py",
    "metrics/*.py",
    "model_build/__init__.py",
    "model_build/steps/*.py",
    "serving/*.py",
    # Not local_store.py: the local twin's pyiceberg and DuckDB are not in the images.
    "feature_store/__init__.py",
    "feature_store/transforms.py",
    "feature_store/offline_columns.py",
    "feature_store/point_in_time.py",
    "feature_store/snapshot_files.py",
    "feature_store/ingest.py",
    # The build's Snapshot step.
    "feature_store/athena_snapshot.py",
    "feature_store/group_settings.py",
    "feature_store/snapshot_job.py",
)


def shipped_files() -> list[Path]:
    """The files of ``pipelines_src`` the containers need, sorted."""
    return sorted({path for pattern in SHIPPED for path in PIPELINES_SRC.glob(pattern) if path.is_file()})
