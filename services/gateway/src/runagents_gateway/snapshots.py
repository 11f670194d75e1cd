"""Tables read from the database and kept in memory, so a model call needs no query.

A change made through this process is seen by the next call (``invalidate`` makes it wait for the
reload); a change made by another replica is picked up by a reload in the background once the
snapshot is ``ttl`` seconds old, while calls go on with the snapshot they have.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from runagents_gateway.llm.errors import LlmError

T = TypeVar("T")
log = logging.getLogger("runagents.gateway.snapshots")


class Snapshot(Generic[T]):
    def __init__(self, load: Callable[[], Awaitable[T]], ttl_seconds: float, what: str) -> None:
        self._load = load
        self._ttl = ttl_seconds
        self._what = what
        self._value: T | None = None
        self._fresh_until = 0.0
        self._loaded_at = 0.0
        self._generation = 0
        self._loaded_generation = -1
        self._lock = asyncio.Lock()
        self._refresh: asyncio.Task[None] | None = None

    def invalidate(self) -> None:
        """The rows changed: the next call waits for them to be read again."""
        self._generation += 1

    async def current(self) -> T:
        value = self._value
        if value is not None and self._loaded_generation == self._generation:
            if time.monotonic() >= self._fresh_until and self._refresh is None:
                self._refresh = asyncio.get_running_loop().create_task(self._refresh_in_background())
            return value
        return await self.reload()

    async def reload_if_older(self, seconds: float) -> T:
        """The rows, read again unless they were read less than ``seconds`` ago."""
        if self._value is not None and time.monotonic() - self._loaded_at < seconds:
            return self._value
        self.invalidate()
        return await self.reload()

    async def reload(self) -> T:
        """The rows as read after this call began."""
        wanted = self._generation
        async with self._lock:
            if self._value is not None and self._loaded_generation >= wanted:
                return self._value
            generation = self._generation
            try:
                value = await self._load()
            except Exception as exc:
                if self._value is None:
                    raise LlmError(503, f"The gateway cannot read its {self._what} right now.",
                                   code="gateway_unavailable") from exc
                log.warning("could not refresh the %s; serving the last ones", self._what, exc_info=True)
                return self._value
            self._store(value, generation)
            return value

    async def _refresh_in_background(self) -> None:
        try:
            async with self._lock:
                generation = self._generation
                try:
                    value = await self._load()
                except Exception:
                    log.warning("could not refresh the %s; serving the last ones", self._what, exc_info=True)
                    self._fresh_until = time.monotonic() + self._ttl
                    return
                self._store(value, generation)
        finally:
            self._refresh = None

    def _store(self, value: T, generation: int) -> None:
        self._value = value
        # An invalidation during the load may have come after the rows were read: it stays pending.
        self._loaded_generation = generation
        self._loaded_at = time.monotonic()
        self._fresh_until = self._loaded_at + self._ttl

    async def aclose(self) -> None:
        if self._refresh is not None:
            self._refresh.cancel()
