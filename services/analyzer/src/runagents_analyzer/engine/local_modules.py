"""Which imports name the upload's own code. Python finds `import x` in the importing script's folder
or at the project root (or src/), not in any folder of that name anywhere: a nested `agents/` package
in one example does not make `from agents import Agent` elsewhere local code."""

import ast
from collections.abc import Iterable
from pathlib import PurePosixPath

from .scopes import ImportRecord, ModuleInfo

ROOT_FOLDERS = ("", "src")


class LocalModules:
    def __init__(self, modules: Iterable[ModuleInfo]) -> None:
        self._modules = {module.path: module for module in modules}
        self._folders = {str(parent) for path in self._modules for parent in PurePosixPath(path).parents}

    def local_tops(self, module: ModuleInfo) -> set[str]:
        """Top-level names this module imports from the upload's own code."""
        return {record.module.split(".")[0] for record in module.imports if self._is_local(module.path, record)}

    def _is_local(self, importer: str, record: ImportRecord) -> bool:
        parts = record.module.split(".")
        folder = str(PurePosixPath(importer).parent)
        for root in dict.fromkeys((folder, *ROOT_FOLDERS)):
            base = str(PurePosixPath(root, parts[0])) if root not in ("", ".") else parts[0]
            as_file, as_package = f"{base}.py", base in self._folders
            if as_file not in self._modules and not as_package:
                continue
            if len(parts) == 1:
                return not record.from_import  # `from x import a` is decided by its names
            if as_package and (f"{base}/{parts[1]}.py" in self._modules or f"{base}/{parts[1]}" in self._folders):
                return True
            if self._defines(f"{base}/__init__.py" if as_package else as_file, parts[1]):
                return True
        return False

    def _defines(self, path: str, name: str) -> bool:
        module = self._modules.get(path)
        if module is None:
            return False
        for statement in module.parsed.tree.body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and statement.name == name:
                return True
            if isinstance(statement, ast.Assign | ast.AnnAssign):
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                    return True
            if isinstance(statement, ast.Import | ast.ImportFrom) and any(
                (alias.asname or alias.name.split(".")[0]) == name for alias in statement.names
            ):
                return True
        return False
