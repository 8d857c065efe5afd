"""The Snapshot step and the ingestion job run in the SageMaker XGBoost 3.0-5 image: Python 3.10,
with numpy, pandas, scipy, scikit-learn, xgboost, boto3 and botocore, and no pydantic, pyiceberg or
DuckDB (the local twin's ``local_store`` is imported only when ``--store local:`` asks for it)."""

import ast
import sys
from pathlib import Path

import pytest

from pipelines_src.model_build.shipped import shipped_files

FEATURE_STORE = Path(__file__).resolve().parents[2] / "pipelines_src" / "feature_store"
IMAGE_PACKAGES = {"numpy", "pandas", "scipy", "sklearn", "xgboost", "boto3", "botocore", "pipelines_src"}
JOB_MODULES = sorted(path for path in FEATURE_STORE.glob("*.py") if path.name != "local_store.py")


def module_level_imports(tree: ast.Module) -> set[str]:
    """Top-level packages imported when the module loads (not inside functions, not for type checking)."""
    names: set[str] = set()
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, (ast.If, ast.Try)):
            pending += [*node.body, *getattr(node, "orelse", []), *getattr(node, "finalbody", [])]
            pending += [item for handler in getattr(node, "handlers", []) for item in handler.body]
        elif isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", JOB_MODULES, ids=lambda path: path.name)
def test_job_module_is_python_3_10_syntax(path: Path) -> None:
    ast.parse(path.read_text(), filename=str(path), feature_version=(3, 10))


@pytest.mark.parametrize("path", JOB_MODULES, ids=lambda path: path.name)
def test_job_module_imports_only_what_the_image_has(path: Path) -> None:
    third_party = module_level_imports(ast.parse(path.read_text())) - set(sys.stdlib_module_names) - {"__future__"}

    assert third_party <= IMAGE_PACKAGES


def test_the_build_ships_what_its_snapshot_step_runs() -> None:
    shipped = {path.name for path in shipped_files() if path.parent == FEATURE_STORE}

    assert {"snapshot_job.py", "athena_snapshot.py", "group_settings.py", "point_in_time.py", "snapshot_files.py"} <= shipped
    assert "local_store.py" not in shipped
