"""`handler(request[, context])`: the platform's own convention.

request is {"message", "history"}; context has attribute access (tools, llm_url, model,
system_prompt, models, session with history). A handler may be a generator (sync or async):
each piece it yields is streamed as it comes, and the answer is the pieces joined.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator
from typing import Any

from runagents_runtime.agent_side.adapters.support import call, finished
from runagents_runtime.agent_side.rendering import response_text
from runagents_runtime.agent_side.turn import AgentSideEvent, RunTurn, Turn


def recognizes(obj: object) -> bool:
    """Any callable named handler is taken as one; the loader decides by name."""
    return callable(obj) and not isinstance(obj, type)


def _can_bind(obj: Any, *args: Any) -> bool:
    try:
        inspect.signature(obj).bind(*args)
    except (TypeError, ValueError):
        return False
    return True


def bind(obj: Any) -> RunTurn:
    """Call `obj(request[, context])`, sync in a worker thread or awaited."""
    wants_context = _can_bind(obj, None, None)

    async def run(turn: Turn) -> AsyncIterator[AgentSideEvent]:
        request = {"message": turn.message, "history": list(turn.history)}
        args: tuple[Any, ...] = (request, RunContext(turn)) if wants_context else (request,)
        if inspect.isasyncgenfunction(obj) or inspect.isgeneratorfunction(obj):
            result = obj(*args)
        else:
            result = await call(obj, *args)
        if inspect.isasyncgen(result) or inspect.isgenerator(result):
            pieces: list[str] = []
            async for piece in _pieces(result):
                pieces.append(piece)
                if turn.stream:
                    yield {"type": "content", "delta": piece}
            yield {"type": "answer", "text": "".join(pieces)}
            return
        async for event in finished(turn, response_text(result)):
            yield event

    return run


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


class RunContext:
    """The run's context with attribute access (context.tools, context.llm_url, context.session)."""

    def __init__(self, turn: Turn) -> None:
        values = {"tools": {}, "llm_url": None, "model": None, "system_prompt": None, "models": {}, **turn.context}
        values.setdefault("session", {"history": list(turn.history)})
        self.__dict__.update(values)

    def __getitem__(self, key: str) -> Any:
        return self.__dict__[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.__dict__.get(key, default)

    def __repr__(self) -> str:
        return f"RunContext({', '.join(sorted(self.__dict__))})"
