"""Latency of the local inference server (``make serve-local``'s handler) on the bundled data.

    .venv/bin/python benchmarks/serving_latency.py [--requests 1000] [--batch-rows 1000] [--artifact PATH]

Builds the model locally (``pipelines_src.model_build.local_run``) unless ``--artifact`` names
a ``model.tar.gz``, serves it on an ephemeral 127.0.0.1 port, then times from this
process, over one kept-alive HTTP connection:

- ``--requests`` single-row ``text/csv`` requests (test-split rows, in turn): p50 and p95;
- one ``--batch-rows``-row request: its time and rows per second;

and prints the figures. Each response is checked (status 200, one probability per row).
The loops are bounded; the server only ever listens on the loopback address.
"""

import argparse
import csv
import http.client
import io
import json
import math
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines_src.serving.local_server import start  # noqa: E402


def nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(share * len(ordered)) - 1]


def raw_rows(build: Path) -> list[str]:
    """The test split as single-row CSV bodies of the input columns the artifact declares."""
    with tarfile.open(build / "model" / "model.tar.gz") as tar:
        names = [column["name"] for column in json.loads(tar.extractfile("serving.json").read())["columns"]]
    lines = []
    with (build / "preprocess" / "splits" / "test.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerow([row[name] for name in names])
            lines.append(buffer.getvalue())
    return lines


def call(connection: http.client.HTTPConnection, body: str, rows: int) -> float:
    started = time.perf_counter()
    connection.request("POST", "/invocations", body=body.encode(), headers={"Content-Type": "text/csv"})
    response = connection.getresponse()
    payload = response.read()
    elapsed = time.perf_counter() - started
    if response.status != 200 or len(json.loads(payload)["predictions"]) != rows:
        raise SystemExit(f"unexpected answer {response.status}: {payload[:200]!r}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--batch-rows", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        from pipelines_src.model_build.local_run import run_local

        build = Path(folder) / "build"
        run_local(ROOT / "config" / "platform.toml", "credit-risk", build, log=lambda _: None)
        rows = raw_rows(build)
        server, unpacked = start(build / "model" / "model.tar.gz")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)
            call(connection, rows[0], 1)  # warm-up: first-request costs are not serving latency
            single = [call(connection, rows[index % len(rows)], 1) * 1000 for index in range(args.requests)]
            batch = "".join(rows[index % len(rows)] for index in range(args.batch_rows))
            batch_seconds = call(connection, batch, args.batch_rows)
            connection.close()
        finally:
            server.shutdown()
            server.server_close()
            unpacked.cleanup()
    print(f"single-row requests: {args.requests}, p50 {nearest_rank(single, 0.5):.2f} ms, "
          f"p95 {nearest_rank(single, 0.95):.2f} ms, max {max(single):.2f} ms")
    print(f"batch request: {args.batch_rows} rows in {batch_seconds * 1000:.1f} ms, "
          f"{args.batch_rows / batch_seconds:,.0f} rows/s")


if __name__ == "__main__":
    main()
