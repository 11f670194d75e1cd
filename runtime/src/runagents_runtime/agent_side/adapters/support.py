"""What the adapters share: telling an object's framework by its type, calling code that may be sync
or async without blocking the event loop, walking sync or async iterators alike, the texts of
message contents and of tool values, the turn's messages, and the events of a finished answer.

Standard library only: the frameworks are never imported here; their objects are recognised by the
names of their classes and the roots of their modules.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from typing import Any

from runagents_runtime.agent_side.rendering import response_text
from runagents_runtime.agent_side.turn import AgentSideEvent, Turn


def type_names(obj: object) -> list[tuple[str, str]]:
    """(module, class name) of every class in the MRO of `obj`'s type."""
    return [(str(klass.__module__), klass.__name__) for klass in type(obj).__mro__]


def is_instance_of(obj: object, package: str, names: Iterable[str]) -> bool:
    """Whether a class named one of `names` from `package` (or a module under it) is in `type(obj)`'s MRO."""
    wanted = set(names)
    return any(
        name in wanted and (module == package or module.startswith(package + "."))
        for module, name in type_names(obj)
    )


async def call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call `function`, awaited when async (an async function or an object with an async `__call__`),
    in a worker thread when sync (contextvars copied), and await what it returns for as long as that
    is awaitable."""
    if inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(type(function).__call__):
        result = await function(*args, **kwargs)
    else:
        result = await asyncio.to_thread(function, *args, **kwargs)
    while inspect.isawaitable(result):
        result = await result
    return result


async def iterate(items: Any) -> AsyncIterator[Any]:
    """Walk an async iterator as it is, and a sync one in a single worker thread (so that a
    generator's thread-bound state stays on one thread), without blocking the event loop."""
    if hasattr(items, "__aiter__"):
        async for item in items:
            yield item
        return
    async for item in _iterate_in_thread(iter(items)):
        yield item


_DONE = object()


async def _iterate_in_thread(items: Iterator[Any]) -> AsyncIterator[Any]:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[Any, BaseException | None]] = asyncio.Queue()
    stopped = threading.Event()

    def pull() -> None:
        try:
            for item in items:
                loop.call_soon_threadsafe(queue.put_nowait, (item, None))
                if stopped.is_set():
                    break
            loop.call_soon_threadsafe(queue.put_nowait, (_DONE, None))
        except BaseException as error:  # handed over to the consumer, raised there
            loop.call_soon_threadsafe(queue.put_nowait, (_DONE, error))

    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(pull,), name="agent-iterator", daemon=True)
    thread.start()
    try:
        while True:
            item, error = await queue.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stopped.set()


def content_text(content: Any) -> str:
    """The text of a chat message's content: a string, or a list of content blocks (their text blocks,
    joined). Not for tool values: a list there is data, see `text_of`."""
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


def text_of(value: Any) -> str:
    """A tool's arguments or result, or an agent's output, as text: strings as they are, anything else
    as JSON when it can be, else as the text a person reads."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list | tuple | int | float | bool):
        try:
            return json.dumps(value, default=response_text)
        except (TypeError, ValueError):
            pass
    return response_text(value)


def history_messages(turn: Turn, *, with_message: bool = False) -> list[dict[str, str]]:
    """The turn's earlier messages with a role, as {"role", "content"} dicts in order; the user's
    message after them when `with_message`."""
    earlier = [
        {"role": str(message["role"]), "content": str(message.get("content") or "")}
        for message in turn.history
        if isinstance(message, dict) and message.get("role")
    ]
    return [*earlier, {"role": "user", "content": turn.message}] if with_message else earlier


def conversation_text(turn: Turn) -> str:
    """The user's message as one text, after a transcript of the earlier messages when there are any:
    for agents whose task is a single text."""
    history = history_messages(turn)
    if not history:
        return turn.message
    transcript = "\n".join(f"{m['role']}: {m['content']}" for m in history)
    return f"Conversation so far:\n{transcript}\n\nNew message:\n{turn.message}"


async def finished(turn: Turn, text: str, streamed: bool = False) -> AsyncIterator[AgentSideEvent]:
    """The answer; a streaming caller that got no delta yet gets the whole text as one."""
    if turn.stream and not streamed and text:
        yield {"type": "content", "delta": text}
    yield {"type": "answer", "text": text}
