"""The data scientist's notebook runs from top to bottom on the bundled data, without a warning."""

import base64
import os
import time
from dataclasses import dataclass

import nbformat
import pytest
from nbclient import NotebookClient
from traitlets.config import Config

NOTEBOOK = "notebooks/credit_risk_walkthrough.ipynb"
# The figures each section draws inline: (PNG, SVG) by the section's heading.
FIGURES = {
    "1. Exploratory analysis": (3, 0),
    "2. The pipeline steps": (3, 0),
    "The reports": (7, 3),
}


@dataclass(frozen=True)
class Execution:
    notebook: nbformat.NotebookNode
    kernel_stderr: str
    seconds: float


@pytest.fixture(scope="module")
def executed(repo_root, tmp_path_factory) -> Execution:
    notebook = nbformat.read(repo_root / NOTEBOOK, as_version=4)
    # Without CurveZMQ keys from the kernel manager (the kernelspec declares support), ipykernel warns
    # on start that the kernel talks over TCP in plain text.
    client = NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(repo_root)}},
        config=Config({"KernelManager": {"transport_encryption": "required"}}),
    )
    kernel_log = tmp_path_factory.mktemp("kernel") / "stderr.txt"
    started = time.perf_counter()
    with kernel_log.open("w") as stderr:
        # Each warning shown once where it is raised, libraries' deprecations included.
        client.execute(stderr=stderr, env={**os.environ, "PYTHONWARNINGS": "default"})
    return Execution(notebook, kernel_log.read_text(), time.perf_counter() - started)


def code_outputs(notebook: nbformat.NotebookNode) -> list:
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]


def printed(notebook: nbformat.NotebookNode) -> str:
    return "".join(output.get("text", "") for output in code_outputs(notebook))


def section_outputs(notebook: nbformat.NotebookNode) -> dict[str, list]:
    """The code cells' outputs under each level-2 heading ("" before the first)."""
    sections: dict[str, list] = {"": []}
    heading = ""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("## "):
                    heading = line[3:].strip()
                    sections.setdefault(heading, [])
        else:
            sections[heading].extend(cell.outputs)
    return sections


def test_the_notebook_runs_without_a_warning(executed) -> None:
    assert executed.kernel_stderr == ""
    warned = [output["text"] for output in code_outputs(executed.notebook) if output.get("name") == "stderr"]
    assert warned == []


def test_each_section_shows_its_figures(executed) -> None:
    sections = section_outputs(executed.notebook)
    drawn = {
        heading: (
            sum("image/png" in output.get("data", {}) for output in sections.get(heading, [])),
            sum("image/svg+xml" in output.get("data", {}) for output in sections.get(heading, [])),
        )
        for heading in FIGURES
    }
    assert drawn == FIGURES
    images = [output["data"]["image/png"] for output in code_outputs(executed.notebook) if "image/png" in output.get("data", {})]
    assert all(base64.b64decode(image).startswith(b"\x89PNG") for image in images)


def test_the_data_contract_reports_every_broken_cell(executed) -> None:
    text = printed(executed.notebook)
    assert "'holiday' on line 9" in text
    assert "empty value(s) but the column is not nullable (line(s) 11)" in text
    assert "above the maximum 100: '150' on line 5" in text


def test_the_monitoring_report_finds_the_drift_the_notebook_makes(executed) -> None:
    assert "drifted: credit_amount" in printed(executed.notebook)


def test_the_notebook_shows_the_gates_verdict(executed) -> None:
    assert "All quality gates passed" in printed(executed.notebook)


def test_the_notebook_is_stored_without_outputs(repo_root) -> None:
    notebook = nbformat.read(repo_root / NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.id for cell in code if cell.outputs or cell.execution_count is not None] == []
