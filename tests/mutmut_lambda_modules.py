"""pytest plugin for ``make mutation`` only: Lambda modules under their package names.

A Lambda folder ships alone (with the ``lambdas/shared`` modules it names beside
its own), so its modules import each other by bare name (``from promotion import
decide``) and the tests load them that way (``tests/lambda_handlers.py``). mutmut switches a mutant on by the module name it
derives from the file path (``lambdas.approval_trigger.promotion``); a function
defined in a module named ``promotion`` would never run its mutants, and every
mutant there would look like it survived. This finder still answers the bare
import, but defines the module's functions under the package name, and registers
the module under both names.
"""

import importlib.abc
import importlib.util
import sys
from importlib.machinery import ModuleSpec, SourceFileLoader
from pathlib import Path
from types import ModuleType

LAMBDAS_DIR = Path(__file__).resolve().parents[1] / "lambdas"


class _PackageNamedLoader(SourceFileLoader):
    def __init__(self, bare: str, qualified: str, path: str) -> None:
        super().__init__(bare, path)
        self.qualified = qualified

    def exec_module(self, module: ModuleType) -> None:
        code = self.get_code(self.name)
        module.__name__ = self.qualified
        sys.modules[self.qualified] = module
        exec(code, module.__dict__)


class _LambdaModuleFinder(importlib.abc.MetaPathFinder):
    def __init__(self) -> None:
        self.modules = {
            path.stem: (f"lambdas.{path.parent.name}.{path.stem}", path)
            for path in LAMBDAS_DIR.glob("*/*.py")
            if path.stem != "handler"
        }
        if len(self.modules) != len(list(LAMBDAS_DIR.glob("*/*.py"))) - len(list(LAMBDAS_DIR.glob("*/handler.py"))):
            raise RuntimeError(f"two Lambda folders share a module name under {LAMBDAS_DIR}")

    def find_spec(self, fullname: str, path=None, target=None) -> ModuleSpec | None:
        if fullname not in self.modules:
            return None
        qualified, file = self.modules[fullname]
        return importlib.util.spec_from_file_location(fullname, file, loader=_PackageNamedLoader(fullname, qualified, str(file)))


def pytest_configure(config) -> None:
    sys.meta_path.insert(0, _LambdaModuleFinder())
