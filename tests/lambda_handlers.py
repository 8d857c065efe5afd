"""Load a Lambda function's ``handler.py`` the way the Lambda runtime does.

Each function folder ships alone, with the ``lambdas/shared`` modules it names
copied next to its own (``PlatformFunction(shared_modules=...)``); all import each
other by bare name, so the folder and ``lambdas/shared`` go on ``sys.path``. Every
function folder has a ``handler.py``: each is registered as ``<folder>_handler``,
once, so the tests that load the same function share one module (and its cached
clients).
"""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

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
