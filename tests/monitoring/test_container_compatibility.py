"""The job code runs in the SageMaker SKLearn 1.2-1 image: Python 3.9, numpy, pandas, scipy and boto3 only."""

import ast
import sys
from pathlib import Path

import pytest

PACKAGES = Path(__file__).resolve().parents[2] / "pipelines_src"
# What ships to the container (stacks/components/drift_job_schedule.py: JOB_CODE_FILES).
SHIPPED = sorted((PACKAGES / "monitoring").glob("*.py")) + sorted((PACKAGES / "metrics").glob("*.py"))
CONTAINER_PACKAGES = {"numpy", "pandas", "scipy", "boto3", "botocore", "pipelines_src"}
# The local command reads the platform config, which only a developer's machine has.
LOCAL_ONLY = {"run_local.py": {"platform_config"}}


def imported_packages(tree: ast.AST) -> set:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_shipped_module_is_python_3_9_syntax(path: Path) -> None:
    ast.parse(path.read_text(), filename=str(path), feature_version=(3, 9))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_shipped_module_imports_only_what_the_image_has(path: Path) -> None:
    third_party = imported_packages(ast.parse(path.read_text())) - set(sys.stdlib_module_names) - {"__future__"}

    assert third_party <= CONTAINER_PACKAGES | LOCAL_ONLY.get(path.name, set())


@pytest.mark.parametrize("path", sorted((PACKAGES / "monitoring").glob("*.py")), ids=lambda path: path.name)
def test_annotations_are_not_evaluated_on_python_3_9(path: Path) -> None:
    # PEP 604 unions (X | None) in annotations only work on 3.9 when annotations stay strings.
    tree = ast.parse(path.read_text())
    has_annotations = any(isinstance(node, (ast.AnnAssign, ast.FunctionDef)) for node in ast.walk(tree))
    future = any(isinstance(node, ast.ImportFrom) and node.module == "__future__"
                 and any(alias.name == "annotations" for alias in node.names) for node in tree.body)

    assert future or not has_annotations
