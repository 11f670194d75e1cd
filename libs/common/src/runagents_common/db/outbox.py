"""Transactional outbox: events are rows written in the transaction of the state change
that caused them; a relay publishes them after commit, in order, at least once."""

import asyncio
import contextlib
import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Integer, String, Text, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from runagents_common.bus.base import Bus
from runagents_common.db.base import UtcDateTime, utcnow
from runagents_common.db.database import Database
from runagents_common.errors import is_database_unavailable
from runagents_common.events.catalog import CATALOG, EventData
from runagents_common.events.envelope import Envelope, new_envelope

log = logging.getLogger("runagents.outbox")

MAX_WAITING_EVENTS = 10_000
"""How many events :meth:`Outbox.add_until_written` keeps waiting for the database at once."""
UNTIL_WRITTEN_GIVE_UP_SECONDS = 900.0
"""How long :meth:`Outbox.add_until_written` keeps trying before it drops the event."""


class OutboxMessageMixin:
    """Columns of a service's ``outbox`` table; mix into the service's declarative base."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
                                    autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(200))
    envelope: Mapped[str] = mapped_column(Text())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True, default=None)


class Outbox:
    """Writes events into a service's outbox table and relays them to the bus."""

    def __init__(self, model: type[OutboxMessageMixin], source: str) -> None:
        self.model = model
        self.source = source
        self._waiting = 0

    def add(self, session: AsyncSession, data: EventData, subject: str | None = None) -> Envelope:
        """Record ``data`` as an event, to be published once ``session``'s transaction commits."""
        envelope = new_envelope(data.event_type, self.source, data, subject)
        self.add_envelope(session, envelope)
        return envelope

    async def add_until_written(self, database: Database, data: EventData, subject: str | None = None) -> bool:
        """Record ``data`` in a unit of work of its own, trying again while ``database`` cannot be
        reached (0.5 s doubling to 10 s, for up to ``UNTIL_WRITTEN_GIVE_UP_SECONDS``); whether it was written.

        For what is recorded after a response was sent (a run's end, a tool call), where nobody is
        left to retry: an outage of the database no longer loses it. The event is made once, so a
        retried write keeps its id and time. At most ``MAX_WAITING_EVENTS`` wait at once per outbox;
        past that, or past the deadline, the event is dropped with an error logged. Any other error
        is logged and not retried.
        """
        envelope = new_envelope(data.event_type, self.source, data, subject)
        if self._waiting >= MAX_WAITING_EVENTS:
            log.error("dropped event %s: %d events already wait for the database", envelope.type, self._waiting,
                      extra={"event_id": envelope.id, "event_type": envelope.type})
            return False
        delay = 0.5
        deadline = time.monotonic() + UNTIL_WRITTEN_GIVE_UP_SECONDS
        waiting = False
        try:
            while True:
                try:
                    async with database.session() as session:
                        self.add_envelope(session, envelope)
                    return True
                except Exception as exc:
                    if not is_database_unavailable(exc) or time.monotonic() + delay > deadline:
                        log.exception("could not record event %s", envelope.type,
                                      extra={"event_id": envelope.id, "event_type": envelope.type})
                        return False
                    if not waiting:
                        waiting = True
                        self._waiting += 1
                        log.warning("database unavailable: event %s waits to be recorded", envelope.type,
                                    extra={"event_id": envelope.id, "event_type": envelope.type})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        finally:
            if waiting:
                self._waiting -= 1

    def add_envelope(self, session: AsyncSession, envelope: Envelope) -> None:
        """Record a ready-made envelope (keeps its id and trace context).

        Raises ``ValueError`` for a type this outbox's service does not own: every consumer would
        refuse it as forged, so it is a bug to catch here, where it is made.
        """
        model = CATALOG.get(envelope.type)
        if model is None or model.owner.source != envelope.source or envelope.source != self.source:
            owner = model.owner.source if model else "no service (not in the catalog)"
            raise ValueError(f"{self.source} may not emit {envelope.type} as {envelope.source}: its owner is {owner}")
        row = self.model()
        row.event_id = envelope.id
        row.event_type = envelope.type
        row.envelope = envelope.model_dump_json()
        row.created_at = utcnow()
        session.add(row)
        Database.notify_after_commit(session)


class OutboxRelay:
    """Publishes unpublished outbox rows in insertion order. Woken right after a commit that
    wrote events, and every ``poll_seconds`` in case a wake-up was missed (e.g. another replica)."""

    def __init__(self, database: Database, outbox: Outbox, bus: Bus, poll_seconds: float = 0.5,
                 batch_size: int = 100, retention: timedelta = timedelta(days=1),
                 prune_every_seconds: float = 600) -> None:
        self.database = database
        self.outbox = outbox
        self.bus = bus
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.retention = retention
        self.prune_every_seconds = prune_every_seconds
        self._last_prune = time.monotonic()
        self._wake = asyncio.Event()
        self._batch = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        database.on_commit(self.wake)

    def wake(self) -> None:
        """Publish soon: a transaction just committed events."""
        self._wake.set()

    def start(self) -> None:
        """Start relaying in the background."""
        self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self.outbox.source}")

    async def stop(self, grace: float = 5.0) -> None:
        """Stop relaying; unpublished rows stay for the next start.

        A batch in flight may finish first (up to ``grace`` seconds): cancelling it mid-query
        would leave its pooled connection behind and publish the batch again on the next start.
        """
        if self._task:
            acquired = False
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(grace):
                    acquired = await self._batch.acquire()
            try:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            finally:
                if acquired:
                    self._batch.release()
            self._task = None

    async def _run(self) -> None:
        backoff = self.poll_seconds
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(backoff):
                    await self._wake.wait()
            self._wake.clear()
            try:
                async with self._batch:
                    while await self.publish_pending() == self.batch_size:
                        pass
                    if time.monotonic() - self._last_prune > self.prune_every_seconds:
                        self._last_prune = time.monotonic()
                        await self.prune()
                backoff = self.poll_seconds
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay of %s failed; retrying", self.outbox.source)
                backoff = min(backoff * 2, 10.0)

    async def prune(self) -> int:
        """Delete events published longer than ``retention`` ago (the table would grow forever)."""
        model = self.outbox.model
        async with self.database.session() as session:
            result = await session.execute(
                delete(model).where(model.published_at.is_not(None), model.published_at < utcnow() - self.retention)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    async def publish_pending(self) -> int:
        """Publish one batch of pending events; returns how many were published."""
        model = self.outbox.model
        async with self.database.session() as session:
            query = (
                select(model.id, model.envelope)
                .where(model.published_at.is_(None))
                .order_by(model.id)
                .limit(self.batch_size)
            )
            if not self.database.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            rows = (await session.execute(query)).all()
            if not rows:
                return 0
            await self.bus.publish_many([Envelope.model_validate_json(envelope) for _, envelope in rows])
            # A crash before this commit republishes the batch: consumers are idempotent.
            published = update(model).where(model.id.in_([row_id for row_id, _ in rows]))
            await session.execute(published.values(published_at=utcnow()),
                                  execution_options={"synchronize_session": False})
            return len(rows)

