"""Background jobs of a service: long work (an analysis, a build, starting an agent) that must
not run inside the unit of work of the request or event that asked for it.

The service records the job in its own table first; after that commit it submits the job's id
here. On start-up the service submits again every job its table says is unfinished, so a crash
loses no job.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("runagents.jobs")


class JobRunner:
    """Runs ``work(job_id)`` for submitted ids, at most ``concurrency`` at a time, each id once at a time."""

    def __init__(self, name: str, work: Callable[[str], Awaitable[None]], concurrency: int = 2) -> None:
        self.name = name
        self._work = work
        self._slots = asyncio.Semaphore(concurrency)
        self._running: dict[str, asyncio.Task[None]] = {}

    def submit(self, job_id: str) -> None:
        """Start the job unless it is already running."""
        if job_id in self._running:
            return
        task = asyncio.get_running_loop().create_task(self._run(job_id), name=f"{self.name}-{job_id}")
        self._running[job_id] = task

    async def _run(self, job_id: str) -> None:
        try:
            async with self._slots:
                await self._work(job_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s job %s failed unexpectedly", self.name, job_id)
        finally:
            self._running.pop(job_id, None)

    def is_running(self, job_id: str) -> bool:
        """Whether the job is queued or running in this process."""
        return job_id in self._running

    async def wait_idle(self) -> None:
        """Wait until every submitted job has ended (tests and shutdown)."""
        while self._running:
            await asyncio.gather(*list(self._running.values()), return_exceptions=True)

    async def stop(self) -> None:
        """Cancel running jobs; their tables still say unfinished, so they resume on the next start."""
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
