"""The data scientist's notebook runs from top to bottom on the bundled data."""

import base64

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = "notebooks/credit_risk_walkthrough.ipynb"


@pytest.fixture(scope="module")
def executed(repo_root):
    notebook = nbformat.read(repo_root / NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(repo_root)}}).execute()
    return notebook


def outputs(notebook, kind: str) -> list:
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs if kind in output.get("data", {})]


def test_the_notebook_shows_the_three_plots(executed) -> None:
    images = outputs(executed, "image/png")
    assert len(images) == 3
    assert all(base64.b64decode(image["data"]["image/png"]).startswith(b"\x89PNG") for image in images)


def test_the_notebook_ends_with_the_gates_verdict(executed) -> None:
    printed = "".join(output.get("text", "") for cell in executed.cells if cell.cell_type == "code" for output in cell.outputs)
    assert "All quality gates passed" in printed
