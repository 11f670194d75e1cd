"""Import the agent's module as `python -m` from the project root would, find its entry by the
shared discovery rules (runagents_contracts.entry_rules, received as JSON), and bind its adapter."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import Any

from runagents_runtime.agent_side.adapters import ADAPTER_MODULES, adapter_module
from runagents_runtime.agent_side.turn import RunTurn

Rule = dict[str, Any]
FUNCTION_ADAPTERS = frozenset({"handler", "lambda", "main"})
HANDLER_HINT = (
    "define `def handler(request): return <your agent's answer to request[\"message\"]>` in it, "
    "or a module-level agent object of a supported framework"
)
WRAPPED_ATTRIBUTES = ("agent", "agents", "runnable", "bound", "chain", "handoffs", "sub_agents", "members",
                      "participants", "tasks", "fallbacks")
"""Attributes through which a framework object holds the ones it drives (an AgentExecutor its agent)."""


class EntryLoadError(Exception):
    """The entry could not be loaded or bound; the message says why, for the agent's status."""


@dataclass(frozen=True)
class EntrySpec:
    """What the deployer passed (USER_ENTRY_POINT / _ADAPTER / _TARGET / _MODULE)."""

    file: str
    adapter: str | None = None
    target: str | None = None
    module: str | None = None


@dataclass(frozen=True)
class LoadedEntry:
    """The bound entry: which adapter calls which target, and the function that runs one turn."""

    adapter: str
    target: str
    run: RunTurn


@dataclass(frozen=True)
class Found:
    """A module-level name the rules recognise."""

    name: str
    value: Any
    adapter: str


def load_entry(spec: EntrySpec, root: Path, rules: list[Rule] | None = None) -> LoadedEntry:
    """Import `spec.file` under `root` and bind its entry; `rules` are runagents_contracts' entry
    rules as JSON (the runtime server sends them). Raises EntryLoadError saying what failed."""
    rules = rules or []
    root = root.resolve()
    module = import_module(spec, root)
    if spec.target:
        if not hasattr(module, spec.target):
            names = ", ".join(n for n in vars(module) if not n.startswith("_")) or "none"
            raise EntryLoadError(f"{module.__name__} ({spec.file}) has no {spec.target!r}; its names: {names}")
        value = getattr(module, spec.target)
        adapter = spec.adapter or recognize(spec.target, value, rules)
        if adapter is None:
            raise EntryLoadError(
                f"{spec.target!r} in {spec.file} is no entry the runtime knows how to call ({type(value).__name__}); "
                + HANDLER_HINT)
        found = Found(spec.target, value, adapter)
    else:
        discovered = discover(module, rules, spec.adapter)
        if discovered is None:
            raise EntryLoadError(f"no entry found in {spec.file}: {HANDLER_HINT}")
        found = discovered
    value = materialize(found)
    if found.adapter == "factory":
        made = next((str(r["adapter"]) for r in rules if object_matches(r, value)), None)
        if made is None:
            raise EntryLoadError(f"{found.name}() in {spec.file} returned a {type(value).__name__}, no agent object "
                                 "the runtime knows how to call; " + HANDLER_HINT)
        found = Found(found.name, value, made)
    if found.adapter not in ADAPTER_MODULES:
        raise EntryLoadError(f"unknown adapter {found.adapter!r} for {spec.file}")
    try:
        run = adapter_module(found.adapter).bind(value)
    except EntryLoadError:
        raise
    except Exception as exc:
        raise EntryLoadError(f"binding {found.name} of {spec.file} to the {found.adapter} adapter failed: "
                             f"{type(exc).__name__}: {exc}") from exc
    return LoadedEntry(found.adapter, found.name, run)


# --- importing ---------------------------------------------------------------------------------


def module_name_of(file: str) -> str | None:
    """`src/pkg/crew.py` -> `pkg.crew` (src layout), `app/agent.py` -> `app.agent`; None when a part
    of the path is no Python identifier (the file is then imported by its path)."""
    parts = list(PurePosixPath(file).with_suffix("").parts)
    if len(parts) > 1 and parts[0] == "src":
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    return ".".join(parts)


def import_module(spec: EntrySpec, root: Path) -> ModuleType:
    path = (root / spec.file).resolve()
    if not path.is_file():
        raise EntryLoadError(f"entry file {spec.file!r} was not found in the upload")
    _prepare_sys_path(root, path)
    name = spec.module or module_name_of(spec.file)
    try:
        if name is not None and _importable_as(name, path):
            return importlib.import_module(name)
        return _import_file(path)
    except ModuleNotFoundError as exc:
        raise EntryLoadError(
            f"importing {name or spec.file} ({spec.file}) failed: no module named {exc.name!r}"
            " (a package missing from the agent's requirements, or a module missing from the upload)") from exc
    except ImportError as exc:
        missing = f" (cannot import {exc.name!r})" if exc.name else ""
        raise EntryLoadError(f"importing {name or spec.file} ({spec.file}) failed{missing}: {exc}") from exc
    except SystemExit as exc:
        raise EntryLoadError(f"importing {name or spec.file} ({spec.file}) called exit({exc.code!r})") from exc
    except Exception as exc:
        raise EntryLoadError(
            f"importing {name or spec.file} ({spec.file}) raised {type(exc).__name__}: {exc}") from exc


def _prepare_sys_path(root: Path, path: Path) -> None:
    """The project root first, as `python -m` sets it; `src/` next for src layouts; the entry's own
    folder last, so a script that imports its siblings (`python folder/agent.py`) still works."""
    wanted = [str(root)]
    if (root / "src").is_dir() and not (root / "src" / "__init__.py").exists():
        wanted.append(str(root / "src"))
    for index, entry in enumerate(wanted):
        if entry in sys.path:
            sys.path.remove(entry)
        sys.path.insert(index, entry)
    if str(path.parent) not in sys.path:
        sys.path.append(str(path.parent))


def _importable_as(name: str, path: Path) -> bool:
    """True when importing `name` gives this file (not a module of the same name elsewhere)."""
    loaded = sys.modules.get(name)
    if loaded is not None:
        return Path(getattr(loaded, "__file__", "") or "").resolve() == path
    try:
        found = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    return found is not None and found.origin is not None and Path(found.origin).resolve() == path


def _import_file(path: Path) -> ModuleType:
    fresh = path.stem not in sys.modules and path.stem.isidentifier()
    name = path.stem if fresh else f"runagents_user_{abs(hash(path))}"
    module_spec = importlib.util.spec_from_file_location(name, path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


# --- recognising -------------------------------------------------------------------------------


def _under(module: str, roots: Iterable[str]) -> bool:
    return any(module == root or module.startswith(root + ".") for root in roots)


def _first_parameter(function: Any) -> str | None:
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return None
    return parameters[0].name if parameters else None


def function_matches(rule: Rule, name: str, value: Any) -> bool:
    if name not in rule.get("function_names", ()) or not callable(value) or isinstance(value, type):
        return False
    first = rule.get("first_parameters") or ()
    return not first or _first_parameter(value) in first


def object_matches(rule: Rule, value: Any) -> bool:
    """An instance of a class named in the rule (through its bases), or a class of the upload made
    by one of its decorators (a @CrewBase class: its metaclass is CrewBaseMeta)."""
    roots = rule.get("import_roots") or ()
    if not roots:
        return False
    if isinstance(value, type):
        decorators = rule.get("class_decorators") or ()
        return any(
            _under(meta.__module__, roots) and any(meta.__name__.startswith(d) for d in decorators)
            for meta in type.mro(type(value))
        )
    names = rule.get("class_names") or ()
    return any(
        klass.__name__ in names and _under(klass.__module__, roots) for klass in type(value).__mro__
    )


def recognize(name: str, value: Any, rules: list[Rule]) -> str | None:
    """The adapter of the first rule that `value` (module-level `name`) matches; a function that is
    not named by a rule is a factory, recognised by what it returns (decided when it is called)."""
    for rule in rules:
        if function_matches(rule, name, value) or object_matches(rule, value):
            return str(rule["adapter"])
    if inspect.isfunction(value):
        return "factory"
    return None


def discover(module: ModuleType, rules: list[Rule], adapter: str | None = None) -> Found | None:
    """The module's entry by the rules, in their order: a function by name, else its framework
    objects (the framework's conventional name first, then one that wraps the others)."""
    names = {n: v for n, v in vars(module).items() if not n.startswith("__")}
    for rule in rules:
        if adapter is not None and rule["adapter"] != adapter:
            continue
        for name in rule.get("function_names", ()):
            if name in names and function_matches(rule, name, names[name]):
                return Found(name, names[name], str(rule["adapter"]))
        objects = [(n, v) for n, v in names.items() if not inspect.ismodule(v) and object_matches(rule, v)]
        if objects:
            return Found(*_preferred(objects, rule), str(rule["adapter"]))
    return None


def _class_rank(value: Any, rule: Rule) -> int:
    """The rule's classes are listed most specific first (AgentExecutor before any Runnable)."""
    names = list(rule.get("class_names") or ())
    ranks = [names.index(k.__name__) for k in type(value).__mro__ if k.__name__ in names]
    return min(ranks, default=len(names))


def _preferred(objects: list[tuple[str, Any]], rule: Rule) -> tuple[str, Any]:
    for name in rule.get("object_names", ()):
        for candidate in objects:
            if candidate[0] == name:
                return candidate
    best = min(_class_rank(value, rule) for _, value in objects)
    objects = [c for c in objects if _class_rank(c[1], rule) == best]
    unwrapped = [c for c in objects if not any(o is not c and _wraps(o[1], c[1]) for o in objects)]
    return (unwrapped or objects)[0]


def _wraps(outer: Any, inner: Any, depth: int = 3) -> bool:
    """True when `inner` is reachable from `outer` through the attributes frameworks wrap with."""
    if depth == 0 or isinstance(outer, type):
        return False
    for attribute in WRAPPED_ATTRIBUTES:
        try:
            value = getattr(outer, attribute, None)
        except Exception:  # a property of the agent's own object may raise anything
            continue
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if item is None or isinstance(item, str | int | float | bool | dict):
                continue
            if item is inner or _wraps(item, inner, depth - 1):
                return True
    return False


# --- turning the target into the object its adapter runs -----------------------------------------


def materialize(found: Found) -> Any:
    """A factory function (a graph factory named in langgraph.json) is called once, with a config
    when it takes one; the adapter then gets what it returns."""
    value = found.value
    if found.adapter in FUNCTION_ADAPTERS or not inspect.isfunction(value):
        return value
    try:
        required = [p for p in inspect.signature(value).parameters.values()
                    if p.default is inspect.Parameter.empty
                    and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        result = value({"configurable": {}}) if required else value()
        if inspect.isawaitable(result):
            result = asyncio.run(_awaited(result))
    except Exception as exc:
        raise EntryLoadError(f"calling the factory {found.name}() failed: {type(exc).__name__}: {exc}") from exc
    return result


async def _awaited(awaitable: Any) -> Any:
    return await awaitable
