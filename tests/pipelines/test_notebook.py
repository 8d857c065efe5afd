"""The data scientist's notebook runs from top to bottom on the bundled data, without a warning."""

import base64
import os
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from traitlets.config import Config

NOTEBOOK = "notebooks/credit_risk_walkthrough.ipynb"
# The figures each section draws inline: (PNG, SVG) by the section's heading.
FIGURES = {
    "1. Exploratory analysis": (3, 0),
    "2. The pipeline steps and their reports": (10, 3),
    "3. Two tracked runs, compared in MLflow": (1, 0),
}
# Each warning shown once where it is raised, libraries' deprecations included.
WARNINGS = "default"


@dataclass(frozen=True)
class Execution:
    notebook: nbformat.NotebookNode
    kernel_stderr: str
    # The user's own tracking store (make pipeline-local's), before and after: (file, mtime) pairs.
    user_store: tuple[list, list]


@pytest.fixture(scope="module")
def executed(repo_root, tmp_path_factory) -> Execution:
    notebook = nbformat.read(repo_root / NOTEBOOK, as_version=4)
    # Without CurveZMQ keys from the kernel manager (the kernelspec declares support), ipykernel warns
    # on start that the kernel talks over TCP in plain text.
    client = NotebookClient(
        notebook,
        timeout=300,  # per cell: the two MLflow-tracked builds take a minute on a busy machine
        kernel_name="python3",
        resources={"metadata": {"path": str(repo_root)}},
        config=Config({"KernelManager": {"transport_encryption": "required"}}),
    )
    kernel_log = tmp_path_factory.mktemp("kernel") / "stderr.txt"
    user_store = repo_root / "build" / "mlflow"
    before = files_of(user_store)
    with kernel_log.open("w") as stderr:
        client.execute(stderr=stderr, env={**os.environ, "PYTHONWARNINGS": WARNINGS})
    return Execution(notebook, kernel_log.read_text(), (before, files_of(user_store)))


def files_of(folder: Path) -> list[tuple[str, int]]:
    return sorted((str(path), path.stat().st_mtime_ns) for path in folder.rglob("*")) if folder.exists() else []


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


def test_mlflow_shows_the_two_runs_side_by_side(executed) -> None:
    table = next(
        output["data"]["text/plain"]
        for cell in executed.notebook.cells
        if cell.cell_type == "code" and "search_runs" in cell.source
        for output in cell.outputs
        if "text/plain" in output.get("data", {})
    )
    rows = {line.split()[0]: line.split()[1:] for line in table.splitlines()[1:]}
    assert table.splitlines()[0].split() == ["config", "shallow"]
    config_depth, shallow_depth = map(int, rows["params.max_depth"])
    assert shallow_depth < config_depth
    assert all(0.5 < float(auc) <= 1 for auc in rows["metrics.auc"])
    assert len(set(rows["tags.data_sha256"])) == 1
    assert len(set(rows["tags.git_commit"])) == 1 and rows["tags.git_commit"][0] != "unknown"


def test_the_notebook_leaves_the_users_tracking_store_alone(executed) -> None:
    before, after = executed.user_store
    assert after == before


def test_the_notebook_is_stored_without_outputs(repo_root) -> None:
    notebook = nbformat.read(repo_root / NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.id for cell in code if cell.outputs or cell.execution_count is not None] == []
