"""What the framework adapters share: telling an object's framework by its type, calling a method that
may be sync or async without blocking the event loop, and walking sync or async iterators alike.

Standard library only: the frameworks are never imported here; their objects are recognised by the
names of their classes and the roots of their modules.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

from runagents_runtime.agent_side.rendering import response_text


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
    """Call `function`, awaited when async, in a worker thread when sync (contextvars copied), and
    await what it returns for as long as that is awaitable."""
    if inspect.iscoroutinefunction(function):
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


def text_of(value: Any) -> str:
    """A tool's arguments or result as text: strings as they are, anything else as JSON when it can
    be, else as the text a person reads."""
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


def history_messages(history: list[dict[str, str]]) -> list[dict[str, str]]:
    """The turn's earlier messages with a role and text content, in order."""
    return [
        {"role": str(message["role"]), "content": str(message.get("content") or "")}
        for message in history
        if isinstance(message, dict) and message.get("role")
    ]
