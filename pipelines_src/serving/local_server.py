"""The endpoint's local twin: the same handler, over HTTP on 127.0.0.1.

    python -m pipelines_src.serving.local_server --artifact build/local/credit-risk/model/model.tar.gz [--port 8080]

(``make serve-local`` after ``make pipeline-local``.) It unpacks the artifact as
SageMaker does into a temporary ``/opt/ml/model``, loads it with ``handler.model_fn`` and
answers as the endpoint does:

- ``POST /invocations`` with ``Content-Type`` ``text/csv`` or ``application/json`` and an
  optional ``Accept``: ``handler.invoke``'s status, body and content type;
- ``GET /ping``: 200 once the model is loaded.

It binds the loopback address only: it is for a data scientist's ``curl`` and the tests,
never for other machines.
"""

from __future__ import annotations

import argparse
import json
import socket
import tarfile
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pipelines_src.serving.handler import ServedModel, invoke, model_fn
from pipelines_src.serving.records import JSON

HOST = "127.0.0.1"
DEFAULT_PORT = 8080
# SageMaker real-time endpoints take payloads up to 6 MB.
MAX_BODY_BYTES = 6 * 1024 * 1024


def unpack(artifact: str | Path, destination: str | Path) -> Path:
    """Extract ``model.tar.gz`` into ``destination``, refusing members that would land outside it."""
    destination = Path(destination)
    with tarfile.open(artifact) as tar:
        tar.extractall(destination, filter="data")
    return destination


class LocalEndpoint(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, model: ServedModel, port: int) -> None:
        super().__init__((HOST, port), _Handler)
        self.model = model

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: LocalEndpoint
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes: with Nagle's algorithm on, the client's delayed
        # ACK would hold every answer back ~40 ms.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path == "/ping":
            self._reply(200, b"", JSON)
        else:
            self._reply(404, json.dumps({"error": f"no route {self.path}: use POST /invocations"}).encode(), JSON)

    def do_POST(self) -> None:  # noqa: N802
        if self.path != "/invocations":
            self._reply(404, json.dumps({"error": f"no route {self.path}: use POST /invocations"}).encode(), JSON)
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            self.close_connection = True
            self._reply(413, json.dumps({"error": f"the body must be at most {MAX_BODY_BYTES} bytes"}).encode(), JSON)
            return
        body = self.rfile.read(length)
        status, payload, content_type = invoke(
            self.server.model, body, self.headers.get("Content-Type"), self.headers.get("Accept")
        )
        self._reply(status, payload, content_type)

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's signature
        pass


def start(artifact: str | Path, port: int = 0) -> tuple[LocalEndpoint, tempfile.TemporaryDirectory]:
    """A running local endpoint for ``artifact`` (port 0: any free port); stop it with
    ``server.shutdown()``, then clean up the returned folder."""
    folder = tempfile.TemporaryDirectory(prefix="serve-local-")
    server = LocalEndpoint(model_fn(str(unpack(artifact, folder.name))), port)
    threading.Thread(target=server.serve_forever, name="serve-local", daemon=True).start()
    return server, folder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a model artifact locally with the endpoint's handler.")
    parser.add_argument("--artifact", required=True, help="model.tar.gz made by make pipeline-local")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    if not Path(args.artifact).is_file():
        raise SystemExit(f"--artifact {args.artifact}: no such file; run `make pipeline-local` first")
    with tempfile.TemporaryDirectory(prefix="serve-local-") as folder:
        server = LocalEndpoint(model_fn(str(unpack(args.artifact, folder))), args.port)
        print(f"serving {args.artifact} (version {server.model.spec.model_version}) at {server.url}/invocations")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()


if __name__ == "__main__":
    main()
