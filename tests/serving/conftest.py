"""Fixtures of the serving tests: each model's local build (the session's one run of it), its
artifact served on an ephemeral port, and the test split's raw rows as a client sends them; the
``credit_*`` ones serve the credit-risk example, for tests written on its columns."""

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
from tests.models_under_test import LocalBuilds


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _built(run) -> Path:
    assert run.passed, run.message
    return run.out


def _served(artifact: Path) -> Iterator[LocalEndpoint]:
    server, folder = start(artifact, port=0)
    yield server
    server.shutdown()
    server.server_close()
    folder.cleanup()


def _spec(build: Path) -> dict[str, Any]:
    import tarfile

    with tarfile.open(build / "model" / "model.tar.gz") as tar:
        return json.loads(tar.extractfile("serving.json").read())


def _raw_rows(build: Path, spec: dict[str, Any]) -> list[dict[str, str]]:
    with (build / "preprocess" / "splits" / "test.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = [column["name"] for column in spec["columns"]]
    return [{name: row[name] for name in names} for row in rows]


@pytest.fixture(scope="session")
def build(local_builds: LocalBuilds, model_name: str) -> Path:
    """The model's local build output folder (the artifact is ``model/model.tar.gz``)."""
    return _built(local_builds(model_name))


@pytest.fixture(scope="session")
def artifact(build: Path) -> Path:
    return build / "model" / "model.tar.gz"


@pytest.fixture(scope="session")
def endpoint(artifact: Path) -> Iterator[LocalEndpoint]:
    yield from _served(artifact)


@pytest.fixture(scope="session")
def spec(build: Path) -> dict[str, Any]:
    return _spec(build)


@pytest.fixture(scope="session")
def test_split(build: Path) -> pd.DataFrame:
    return read_table(build / "preprocess" / "splits" / "test.csv")


@pytest.fixture(scope="session")
def raw_rows(build: Path, spec: dict[str, Any]) -> list[dict[str, str]]:
    """The test split as raw text cells in the input columns (no PII, no label), as a client has them."""
    return _raw_rows(build, spec)


@pytest.fixture(scope="session")
def credit_build(local_builds: LocalBuilds) -> Path:
    return _built(local_builds.credit_risk())


@pytest.fixture(scope="session")
def credit_endpoint(credit_build: Path) -> Iterator[LocalEndpoint]:
    yield from _served(credit_build / "model" / "model.tar.gz")


@pytest.fixture(scope="session")
def credit_spec(credit_build: Path) -> dict[str, Any]:
    return _spec(credit_build)


@pytest.fixture(scope="session")
def credit_raw_rows(credit_build: Path, credit_spec: dict[str, Any]) -> list[dict[str, str]]:
    return _raw_rows(credit_build, credit_spec)


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
