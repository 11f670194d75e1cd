"""`handler(request[, context])`: the platform's own convention (placeholder until the loader lands)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

from runagents_runtime.agent_side.rendering import response_text
from runagents_runtime.agent_side.turn import AgentSideEvent, RunTurn, Turn


def recognizes(obj: object) -> bool:
    """Any callable named handler is taken as one; the loader decides by name."""
    return callable(obj)


def bind(obj: Any) -> RunTurn:
    """Call `obj(request[, context])`, sync in a worker thread or awaited."""
    try:
        inspect.signature(obj).bind(None, None)
        wants_context = True
    except (TypeError, ValueError):
        wants_context = False

    async def run(turn: Turn) -> AsyncIterator[AgentSideEvent]:
        request = {"message": turn.message, "history": turn.history}
        args: tuple[Any, ...] = (request, SimpleNamespace(**turn.context)) if wants_context else (request,)
        if inspect.iscoroutinefunction(obj):
            result = await obj(*args)
        else:
            result = await asyncio.to_thread(obj, *args)
        while inspect.isawaitable(result):
            result = await result
        yield {"type": "answer", "text": response_text(result)}

    return run
