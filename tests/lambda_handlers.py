"""Load a Lambda function's ``handler.py`` the way the Lambda runtime does, and call it as Lambda does.

Each function folder ships alone, with the ``lambdas/shared`` modules it names
copied next to its own (``PlatformFunction(shared_modules=...)``); all import each
other by bare name, so the folder and ``lambdas/shared`` go on ``sys.path``. Every
function folder has a ``handler.py``: each is registered as ``<folder>_handler``,
once, so the tests that load the same function share one module (and its cached
clients).
"""

import importlib.util
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

LAMBDAS_DIR = Path(__file__).resolve().parents[1] / "lambdas"
SHARED_DIR = LAMBDAS_DIR / "shared"


def _on_path(directory: Path) -> None:
    if str(directory) not in sys.path:
        sys.path.insert(0, str(directory))


def load_shared(name: str) -> ModuleType:
    """A module of ``lambdas/shared``, under the bare name the functions import it by."""
    _on_path(SHARED_DIR)
    return importlib.import_module(name)


def load_handler(folder: str) -> ModuleType:
    name = f"{folder}_handler"
    if name in sys.modules:
        return sys.modules[name]
    function_dir = LAMBDAS_DIR / folder
    _on_path(SHARED_DIR)
    _on_path(function_dir)
    spec = importlib.util.spec_from_file_location(name, function_dir / "handler.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class FakeContext:
    """What the handlers and Powertools read of the Lambda context."""

    function_name: str
    account: str = "111111111111"
    region: str = "eu-west-1"
    remaining_ms: int = 300_000
    memory_limit_in_mb: int = 256
    aws_request_id: str = "4d2b6f80-1a3c-4e5d-8f7a-9b0c1d2e3f40"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@contextmanager
def stubbed_clients(
    monkeypatch: pytest.MonkeyPatch, handler_module: ModuleType, region: str, *services: str
) -> Iterator[tuple[Stubber, ...]]:
    """A botocore Stubber per service, behind the handler's cached client ``_<service>``; on a
    clean exit, every response the test queued must have been asked for."""
    clients: list[Any] = [boto3.client(service, region_name=region) for service in services]
    for service, client in zip(services, clients, strict=True):
        monkeypatch.setattr(handler_module, f"_{service}", lambda client=client: client)
    with ExitStack() as stack:
        stubs = tuple(stack.enter_context(Stubber(client)) for client in clients)
        yield stubs
        for stub in stubs:
            stub.assert_no_pending_responses()
