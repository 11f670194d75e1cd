"""Carrying phase changes from the analysis thread back to the event loop, in order."""

import asyncio
from collections.abc import Awaitable, Callable

RecordPhase = Callable[[str, int], Awaitable[None]]


class PhaseRelay:
    """``on_phase`` may be called from any thread; ``run`` records each phase on the loop, one at a
    time, in the order they were reported. The analysis thread never waits on the database."""

    def __init__(self, record: RecordPhase) -> None:
        self._record = record
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[tuple[str, int] | None] = asyncio.Queue()

    def on_phase(self, phase: str, progress: int) -> None:
        self._loop.call_soon_threadsafe(self._queue.put_nowait, (phase, progress))

    def close(self) -> None:
        """No more phases: ``run`` returns once it has recorded the ones already reported."""
        self._loop.call_soon_threadsafe(self._queue.put_nowait, None)

    async def run(self) -> None:
        while (item := await self._queue.get()) is not None:
            await self._record(*item)
