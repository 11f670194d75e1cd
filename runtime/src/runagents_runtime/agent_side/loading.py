"""Import the agent's module and bind its entry (placeholder: handler() only, until the loader lands)."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runagents_runtime.agent_side.adapters import adapter_module
from runagents_runtime.agent_side.turn import RunTurn


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


def load_entry(spec: EntrySpec, root: Path, rules: list[dict[str, Any]] | None = None) -> LoadedEntry:
    """Import `spec.file` under `root` and bind its entry; `rules` are runagents_contracts' entry
    rules as JSON (the runtime server sends them)."""
    path = (root / spec.file).resolve()
    if not path.is_file():
        raise EntryLoadError(f"USER_ENTRY_POINT file {spec.file!r} was not found in the upload")
    if str(root) not in sys.path:
        sys.path.append(str(root))
    module_spec = importlib.util.spec_from_file_location(path.stem, path)
    if module_spec is None or module_spec.loader is None:
        raise EntryLoadError(f"cannot import {spec.file}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[path.stem] = module
    module_spec.loader.exec_module(module)
    handler = getattr(module, "handler", None)
    if not callable(handler):
        raise EntryLoadError(f"{spec.file} defines no handler()")
    return LoadedEntry("handler", "handler", adapter_module("handler").bind(handler))
