"""Tier 2: import the agent's own code and call it in the documented discovery order.

Order: `handler(request[, context])`, then a module-level `agent`, `chain`, `executor`, `graph` or
`crew` object, then `main()`. Sync callables run in a worker thread (which inherits the run's
propagation context); async ones are awaited. A handler may also be a generator (sync or async):
each piece it yields is streamed to `/invoke/stream` as it comes, and `/invoke` answers with
them joined.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.util
import inspect
import logging
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from runagents_runtime.config import RuntimeConfig
from runagents_runtime.error_summary import summarize_exception
from runagents_runtime.events import AgentAnswer, AgentEvent, ChatMessage, ContentDelta
from runagents_runtime.problems import UserCodeFailed
from runagents_runtime.run_context import RunContext, build_run_context
from runagents_runtime.user_results import response_text

logger = logging.getLogger(__name__)

EntryCall = Callable[[str, list[ChatMessage], RunContext], Awaitable[object]]
_INVOKE_INPUT_NAMES = ("agent", "chain", "executor")


class UserCodeNotFound(LookupError):
    """The module defines none of the callables the runtime knows how to call."""


@dataclass(frozen=True)
class UserEntry:
    """The callable chosen in the user's module and how the runtime calls it."""

    kind: str
    call: EntryCall


@dataclass(frozen=True)
class UserCode:
    """The outcome of loading USER_ENTRY_POINT at start-up: an entry, or the reason there is none."""

    entry_point: str
    entry: UserEntry | None
    error: str | None

    @property
    def loaded(self) -> bool:
        """True when a callable was found and can serve requests."""
        return self.entry is not None


def load_user_code(entry_point: str, cwd: Path | None = None) -> UserCode:
    """Import the entry point and pick its callable; failures are captured, never raised."""
    try:
        module = import_entry_module(entry_point, cwd or Path.cwd())
        entry = find_entry(module)
    except (Exception, SystemExit) as exc:
        summary = summarize_exception(exc, os.environ)
        logger.error("could not load USER_ENTRY_POINT %r: %s", entry_point, summary, exc_info=exc)
        return UserCode(entry_point, None, summary)
    logger.info("loaded USER_ENTRY_POINT %r, calling its %s", entry_point, entry.kind)
    return UserCode(entry_point, entry, None)


def import_entry_module(entry_point: str, cwd: Path) -> ModuleType:
    """Import a module name (`agent`, `pkg.agent`) or a file path (`agent.py`, `src/agent.py`)."""
    if entry_point.endswith(".py") or "/" in entry_point or os.sep in entry_point:
        return _import_file(_find_file(entry_point, cwd))
    _append_sys_path(cwd)
    return importlib.import_module(entry_point)


def find_entry(module: ModuleType) -> UserEntry:
    """Return the first callable of the discovery order that the module defines."""
    handler = getattr(module, "handler", None)
    if callable(handler):
        return UserEntry("handler", _handler_entry(handler))
    invocable = [(name, target) for name in _INVOKE_INPUT_NAMES
                 if callable(getattr(target := getattr(module, name, None), "invoke", None))]
    if invocable:
        # LangChain's own docs name the runnable `agent` and the AgentExecutor that drives it
        # `executor`: when one object wraps the first found, the wrapper is the one to call.
        name, target = invocable[0]
        name, target = next(((n, t) for n, t in invocable[1:] if _wraps(t, target)), (name, target))
        return UserEntry(name, _invoke_entry(target))
    graph = getattr(module, "graph", None)
    if callable(getattr(graph, "invoke", None)):
        return UserEntry("graph", _graph_entry(graph))
    crew = getattr(module, "crew", None)
    if callable(getattr(crew, "kickoff", None)):
        return UserEntry("crew", _crew_entry(crew))
    main = getattr(module, "main", None)
    if callable(main):
        return UserEntry("main", _main_entry(main))
    raise UserCodeNotFound(
        f"module {module.__name__!r} defines none of handler(), agent, chain, executor, graph, crew or main()"
    )


class UserCodeAgent:
    """Answers messages by calling the user's entry; the Tier 2 counterpart of ToolLoop."""

    def __init__(self, config: RuntimeConfig, entry: UserEntry) -> None:
        self._config = config
        self._entry = entry

    async def run(self, message: str, history: list[ChatMessage], *, stream: bool) -> AsyncIterator[AgentEvent]:
        """Answer `message`; see `Agent.run`. A handler that yields (a generator) streams its pieces."""
        context = build_run_context(self._config, history)
        try:
            result = await self._entry.call(message, history, context)
            if inspect.isasyncgen(result) or inspect.isgenerator(result):
                pieces: list[str] = []
                async for piece in _pieces(result):
                    pieces.append(piece)
                    if stream:
                        yield ContentDelta(piece)
                yield AgentAnswer("".join(pieces), self._config.model)
                return
        except Exception as exc:
            logger.exception("agent code raised while handling a request")
            raise UserCodeFailed(summarize_exception(exc, os.environ)) from exc
        text = response_text(result)
        if stream and text:
            yield ContentDelta(text)
        yield AgentAnswer(text, self._config.model)


async def _pieces(result: Any) -> AsyncIterator[str]:
    """The non-empty text pieces of a generator's items; a sync generator advances in a worker thread."""
    if inspect.isasyncgen(result):
        try:
            async for item in result:
                if text := response_text(item):
                    yield text
        finally:
            await result.aclose()
        return
    exhausted = object()
    try:
        while (item := await asyncio.to_thread(next, result, exhausted)) is not exhausted:
            if text := response_text(item):
                yield text
    finally:
        # A cancelled request leaves a worker thread inside next(); the generator cannot be closed then.
        with contextlib.suppress(ValueError):
            result.close()


async def call_user_callable(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Await an async callable, or run a sync one in a worker thread; await whatever it returns."""
    if inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(type(function).__call__):
        result = await function(*args, **kwargs)
    else:
        result = await asyncio.to_thread(function, *args, **kwargs)
    while inspect.isawaitable(result):
        result = await result
    return result


def _handler_entry(handler: Callable[..., Any]) -> EntryCall:
    wants_context = _can_bind(handler, None, None)

    async def call(message: str, history: list[ChatMessage], context: RunContext) -> object:
        request = {"message": message, "history": context.session["history"]}
        if wants_context:
            return await call_user_callable(handler, request, context)
        return await call_user_callable(handler, request)

    return call


def _invoke_entry(target: Any) -> EntryCall:
    async def call(message: str, history: list[ChatMessage], context: RunContext) -> object:
        return await call_user_callable(target.invoke, {"input": message})

    return call


def _graph_entry(graph: Any) -> EntryCall:
    async def call(message: str, history: list[ChatMessage], context: RunContext) -> object:
        return await call_user_callable(graph.invoke, {"messages": [_human_message(message)]})

    return call


def _crew_entry(crew: Any) -> EntryCall:
    kickoff = crew.kickoff
    # CrewAI's Crew.kickoff(inputs=...) interpolates a dict into task templates, so a positional
    # message is only passed to a kickoff that takes something other than `inputs`.
    positional = not _has_parameter(kickoff, "inputs") and _can_bind(kickoff, "message")

    async def call(message: str, history: list[ChatMessage], context: RunContext) -> object:
        if positional:
            return await call_user_callable(kickoff, message)
        return await call_user_callable(kickoff, inputs={"input": message, "message": message})

    return call


def _main_entry(main: Callable[..., Any]) -> EntryCall:
    takes_message = _has_required_positional(main)

    async def call(message: str, history: list[ChatMessage], context: RunContext) -> object:
        if takes_message:
            return await call_user_callable(main, message)
        return await call_user_callable(main)

    return call


_WRAPPED_ATTRIBUTES = ("agent", "runnable", "bound", "chain")


def _wraps(outer: Any, inner: Any, depth: int = 3) -> bool:
    """True when `inner` is reachable from `outer` through the attributes frameworks wrap with."""
    if depth == 0:
        return False
    for attribute in _WRAPPED_ATTRIBUTES:
        value = getattr(outer, attribute, None)
        if value is not None and (value is inner or _wraps(value, inner, depth - 1)):
            return True
    return False


def _human_message(text: str) -> Any:
    try:
        from langchain_core.messages import HumanMessage
    except ImportError:
        return {"role": "user", "content": text}
    return HumanMessage(content=text)


def _signature(function: Callable[..., Any]) -> inspect.Signature | None:
    try:
        return inspect.signature(function)
    except (TypeError, ValueError):
        return None


def _can_bind(function: Callable[..., Any], *args: Any) -> bool:
    signature = _signature(function)
    if signature is None:
        return False
    try:
        signature.bind(*args)
    except TypeError:
        return False
    return True


def _has_parameter(function: Callable[..., Any], name: str) -> bool:
    signature = _signature(function)
    return signature is not None and name in signature.parameters


def _has_required_positional(function: Callable[..., Any]) -> bool:
    signature = _signature(function)
    if signature is None:
        return False
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return any(p.kind in positional and p.default is inspect.Parameter.empty for p in signature.parameters.values())


def _find_file(entry_point: str, cwd: Path) -> Path:
    candidate = Path(entry_point)
    if candidate.is_absolute():
        if candidate.is_file():
            return candidate
    else:
        for directory in [cwd, *(Path(p) for p in sys.path if p)]:
            if (directory / candidate).is_file():
                return (directory / candidate).resolve()
    raise FileNotFoundError(f"USER_ENTRY_POINT file {entry_point!r} was not found in {cwd} or on sys.path")


def _import_file(path: Path) -> ModuleType:
    # The file's folder goes on sys.path so the agent can import its sibling modules.
    _append_sys_path(path.parent)
    # Under its own name unless a module already loaded has it (an entry file named `fastapi.py`).
    name = path.stem if path.stem not in sys.modules else f"runagents_user_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def _append_sys_path(directory: Path) -> None:
    """Last on the import path: a module of the upload named like the runtime's package, the standard
    library's or an installed one (`runagents_runtime/`, `fastapi.py`) never replaces it."""
    entry = str(directory)
    if entry not in sys.path:
        sys.path.append(entry)
