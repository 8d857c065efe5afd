"""Load a Lambda function's ``handler.py`` the way the Lambda runtime does.

Each function folder ships alone and its modules import each other by bare name,
so the folder goes on ``sys.path``. Every folder has a ``handler.py``: each is
registered as ``<folder>_handler``, once, so the tests that load the same
function share one module (and its cached clients).
"""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

LAMBDAS_DIR = Path(__file__).resolve().parents[1] / "lambdas"


def load_handler(folder: str) -> ModuleType:
    name = f"{folder}_handler"
    if name in sys.modules:
        return sys.modules[name]
    function_dir = LAMBDAS_DIR / folder
    if str(function_dir) not in sys.path:
        sys.path.insert(0, str(function_dir))
    spec = importlib.util.spec_from_file_location(name, function_dir / "handler.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
