"""What the adapters share: calling sync or async code, and the events of a finished answer."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from runagents_runtime.agent_side.turn import AgentSideEvent, Turn


async def call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Await an async callable, or run a sync one in a worker thread; await whatever it returns."""
    if inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(type(function).__call__):
        result = await function(*args, **kwargs)
    else:
        result = await asyncio.to_thread(function, *args, **kwargs)
    while inspect.isawaitable(result):
        result = await result
    return result


async def finished(turn: Turn, text: str, streamed: bool = False) -> AsyncIterator[AgentSideEvent]:
    """The answer; a streaming caller that got no delta yet gets the whole text as one."""
    if turn.stream and not streamed and text:
        yield {"type": "content", "delta": text}
    yield {"type": "answer", "text": text}


def content_text(content: Any) -> str:
    """The text of a message's content: a string, or a list of content blocks."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, Mapping) and block.get("type") in ("text", "output_text", None):
                parts.append(str(block.get("text", "")))
            elif isinstance(getattr(block, "text", None), str):
                parts.append(block.text)
        return "".join(parts)
    return str(content)


def history_messages(turn: Turn) -> list[dict[str, str]]:
    """The earlier messages and the user's message, as {"role", "content"} dicts."""
    earlier = [{"role": m["role"], "content": m["content"]} for m in turn.history]
    return [*earlier, {"role": "user", "content": turn.message}]


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
