"""Fixtures of the serving tests: one local build, its artifact served on an ephemeral port,
and the test split's raw rows as a client sends them."""

import csv
import io
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipelines_src.model_build.steps.files import read_table
from pipelines_src.serving.local_server import LocalEndpoint, start
from tests.synth import DEFAULT_CONFIG_PATH

MODEL = "credit-risk"


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@pytest.fixture(scope="session")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A local build's output folder (the artifact is ``model/model.tar.gz``)."""
    from pipelines_src.model_build.local_run import run_local

    out = tmp_path_factory.mktemp("serving-build")
    result = run_local(DEFAULT_CONFIG_PATH, MODEL, out, log=lambda _: None)
    assert result.passed, result.message
    return out


@pytest.fixture(scope="session")
def artifact(build: Path) -> Path:
    return build / "model" / "model.tar.gz"


@pytest.fixture(scope="session")
def endpoint(artifact: Path) -> Iterator[LocalEndpoint]:
    server, folder = start(artifact, port=0)
    yield server
    server.shutdown()
    server.server_close()
    folder.cleanup()


@pytest.fixture(scope="session")
def spec(build: Path) -> dict[str, Any]:
    import tarfile

    with tarfile.open(build / "model" / "model.tar.gz") as tar:
        return json.loads(tar.extractfile("serving.json").read())


@pytest.fixture(scope="session")
def test_split(build: Path) -> pd.DataFrame:
    return read_table(build / "preprocess" / "splits" / "test.csv")


@pytest.fixture(scope="session")
def raw_rows(build: Path, spec: dict[str, Any]) -> list[dict[str, str]]:
    """The test split as raw text cells in the input columns (no PII, no label), as a client has them."""
    with (build / "preprocess" / "splits" / "test.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = [column["name"] for column in spec["columns"]]
    return [{name: row[name] for name in names} for row in rows]


def csv_body(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(list(row.values()))
    return buffer.getvalue().encode()


def post(endpoint: LocalEndpoint, body: bytes, content_type: str, accept: str | None = None) -> Reply:
    headers = {"Content-Type": content_type, **({"Accept": accept} if accept else {})}
    request = urllib.request.Request(f"{endpoint.url}/invocations", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Reply(response.status, response.headers["Content-Type"], response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.headers["Content-Type"], error.read())
