"""Which file to run, following the runtime's discovery order: handler(), framework object, main."""

import ast
from pathlib import PurePosixPath

from .report import EntryPoint
from .scopes import ModuleInfo

FRAMEWORK_OBJECT_NAMES = ("agent", "chain", "executor", "graph", "crew", "root_agent")
SETUP_CALL_ROOTS = frozenset({"os", "sys", "logging", "warnings", "load_dotenv", "nest_asyncio", "set_verbose"})
"""Top-level calls that only prepare the process; a module making nothing else is no script to run."""
CONVENTIONAL_NAMES = ("agent", "main", "app", "handler", "server", "run", "bot", "index")
MAIN_GUARD_REASON = 'if __name__ == "__main__"'
FRAMEWORK_OBJECT = "framework object"
"""Stands for the module's framework object in the ranking until the last wrapper of it is known."""


def _is_main_guard(test: ast.expr) -> bool:
    if not isinstance(test, ast.Compare) or len(test.comparators) != 1:
        return False
    sides = [test.left, test.comparators[0]]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    constants = [s.value for s in sides if isinstance(s, ast.Constant)]
    return names == ["__name__"] and constants == ["__main__"]


def _rank(module: ModuleInfo) -> tuple[int, str] | None:
    best: tuple[int, str] | None = None
    framework_object: str | None = None
    for statement in module.parsed.tree.body:
        found: tuple[int, str] | None = None
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            if statement.name == "handler":
                found = (0, "def handler()")
            elif statement.name == "lambda_handler":
                found = (1, "def lambda_handler()")
            elif statement.name == "main":
                found = (3, "def main()")
        elif isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id in FRAMEWORK_OBJECT_NAMES and (
                    framework_object is None or framework_object in _names_in(statement.value)
                ):
                    # `executor = AgentExecutor(agent=agent)`: the runtime calls the wrapper, so it takes
                    # the place of the object it wraps; the reason names it once the loop is done.
                    framework_object = target.id
                    found = (1, FRAMEWORK_OBJECT)
        elif isinstance(statement, ast.If) and _is_main_guard(statement.test):
            found = (2, MAIN_GUARD_REASON)
        if found is not None and (best is None or found[0] < best[0]):
            best = found
    if best is not None and best[1] == FRAMEWORK_OBJECT:
        return best[0], f"module-level `{framework_object}` object"
    return best


def _names_in(node: ast.AST | None) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} if node is not None else set()


def is_test_or_setup_file(path: str) -> bool:
    pure = PurePosixPath(path)
    return (
        pure.name in ("setup.py", "conftest.py", "noxfile.py", "fabfile.py")
        or pure.name.startswith("test_")
        or pure.stem.endswith("_test")
        or any(part in ("tests", "test", "docs", "examples", "scripts") for part in pure.parts[:-1])
    )


def _name_preference(path: str) -> int:
    stem = PurePosixPath(path).stem
    return CONVENTIONAL_NAMES.index(stem) if stem in CONVENTIONAL_NAMES else len(CONVENTIONAL_NAMES)


def find_entry_point(modules: list[ModuleInfo]) -> EntryPoint | None:
    candidates: list[tuple[tuple[int, int, int, int, str], EntryPoint]] = []
    for module in modules:
        ranked = _rank(module)
        if ranked is None:
            continue
        rank, reason = ranked
        key = (int(is_test_or_setup_file(module.path)), rank, _name_preference(module.path),
               module.path.count("/"), module.path)
        candidates.append((key, EntryPoint(file=module.path, reason=reason)))
    if candidates:
        return min(candidates, key=lambda item: item[0])[1]
    return _script_entry_point(modules)


def _runs_code(statement: ast.stmt) -> bool:
    """Top-level work beyond definitions: a call, a loop, a with block, an if that does something."""
    if isinstance(statement, ast.Expr):
        value = statement.value
        if isinstance(value, ast.Call):
            root = value.func
            while isinstance(root, ast.Attribute):
                root = root.value
            return not (isinstance(root, ast.Name) and root.id in SETUP_CALL_ROOTS)
        return isinstance(value, ast.Await)
    return isinstance(statement, ast.For | ast.AsyncFor | ast.While | ast.With | ast.AsyncWith | ast.If | ast.Try)


def _script_entry_point(modules: list[ModuleInfo]) -> EntryPoint | None:
    """A plain script (a notebook exported to .py, a Streamlit app): code that runs at import."""
    scripts = [
        module for module in modules
        if not is_test_or_setup_file(module.path) and any(_runs_code(s) for s in module.parsed.tree.body)
    ]
    if not scripts:
        return None
    best = min(scripts, key=lambda m: (_name_preference(m.path), m.path.count("/"), m.path))
    return EntryPoint(file=best.path, reason="script with top-level code")
