"""Reading runs: one run with its timeline, pages of runs.

A run id the front door just handed to a caller may not be ingested yet (its run.started is on
its way through the bus). Run ids carry the moment they were minted (``runagents_common.run_wire``),
so a read of an unknown id minted moments ago waits for the run's first event, up to a bound,
instead of answering 404; an id that is not fresh (or not a run id at all) is 404 at once.
"""

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.cursors import decode_cursor, encode_cursor
from runagents_common.db import Database
from runagents_common.errors import NotFound
from runagents_common.run_wire import minted_at
from runagents_runs.runs import repository
from runagents_runs.runs.models import Run, RunEvent, RunStatus

ANNOUNCED_FOR = timedelta(seconds=30)
"""How long after minting an unknown run id is taken as a run on its way, not as a wrong id."""
CLOCK_SKEW = timedelta(seconds=5)
POLL_SECONDS = 0.05


class Ingested:
    """Wakes readers waiting for a run whenever this process committed a batch of events."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def committed(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        """Return after the next commit, or after ``seconds`` (a replica's commit wakes no one here)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._event.wait()


@dataclass
class RunsContext:
    """What the runs endpoints need besides the database."""

    announced_wait_seconds: float
    ingested: Ingested = field(default_factory=Ingested)


def is_announced(run_id: str, now: datetime | None = None) -> bool:
    """Whether ``run_id`` was minted by the front door moments ago (its run may still be on the bus)."""
    minted = minted_at(run_id)
    now = now or datetime.now(UTC)
    return minted is not None and now - ANNOUNCED_FOR <= minted <= now + CLOCK_SKEW


async def get_announced(database: Database, ingested: Ingested, run_id: str,
                        wait_seconds: float) -> tuple[Run, Sequence[RunEvent]]:
    """A run and its timeline; a fresh id not yet ingested is waited for up to ``wait_seconds``.

    Each look is its own short unit of work: a waiting reader holds no connection.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    while True:
        async with database.session() as session:
            found = await repository.get_with_timeline(session, run_id)
        if found is not None:
            return found
        remaining = deadline - loop.time()
        if remaining <= 0 or not is_announced(run_id):
            raise NotFound(f"no run with id {run_id!r}")
        await ingested.wait(min(POLL_SECONDS, remaining))


async def list_runs(
    session: AsyncSession, *, agent: str | None, status: RunStatus | None, limit: int, cursor: str | None
) -> tuple[Sequence[Run], str | None]:
    """One page of runs, newest first, and the cursor of the next page (None on the last)."""
    after = decode_cursor(cursor) if cursor else None
    # One extra row tells whether another page follows without a second query.
    rows = await repository.page(session, agent=agent, status=status.value if status else None,
                                 limit=limit + 1, after=after)
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1].started_at, items[-1].id) if len(rows) > limit else None
    return items, next_cursor
