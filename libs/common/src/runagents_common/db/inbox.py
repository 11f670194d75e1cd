"""Idempotent consumption: a processed-event record per consumer, written in the same
transaction as the handler's effects, so a redelivered event has no second effect."""

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import String, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from runagents_common.bus.base import BatchHandler, EventHandler
from runagents_common.db.base import UtcDateTime, utcnow
from runagents_common.db.database import Database
from runagents_common.events.catalog import EventData, check_source, parse_data
from runagents_common.events.envelope import Envelope
from runagents_common.telemetry import continued_span

log = logging.getLogger("runagents.inbox")

TransactionalHandler = Callable[[AsyncSession, Envelope, EventData], Awaitable[None]]
"""Handles one event inside the consumer's unit of work."""

TransactionalBatchHandler = Callable[[AsyncSession, Sequence[tuple[Envelope, EventData]]], Awaitable[None]]
"""Handles several events, in delivery order, inside one unit of work of the consumer."""


def combined_handlers(*handler_maps: Mapping[str, TransactionalHandler]) -> dict[str, TransactionalHandler]:
    """One handler per event type that runs every map's handler of that type in turn, in one unit of work.

    A service whose domains each react to the same event keeps one consumer (one processed-event
    record), and no domain's handler silently replaces another's.
    """
    by_type: dict[str, list[TransactionalHandler]] = {}
    for handlers in handler_maps:
        for event_type, handle in handlers.items():
            by_type.setdefault(event_type, []).append(handle)

    def chain(handles: list[TransactionalHandler]) -> TransactionalHandler:
        if len(handles) == 1:
            return handles[0]

        async def handle_all(session: AsyncSession, envelope: Envelope, data: EventData) -> None:
            for handle in handles:
                await handle(session, envelope, data)

        return handle_all

    return {event_type: chain(handles) for event_type, handles in by_type.items()}


class ProcessedEventMixin:
    """Columns of a service's ``processed_events`` table; mix into the service's declarative base."""

    __tablename__ = "processed_events"

    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(200))
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


def idempotent_handler(
    database: Database,
    model: type[ProcessedEventMixin],
    consumer: str,
    handle: TransactionalHandler,
) -> EventHandler:
    """Wrap ``handle`` so that each event id is processed at most once per consumer.

    The event is checked against the catalog first: an unknown type, a source other than the
    type's owner (a forged event) or invalid data raises :class:`PoisonEvent`, which the bus
    dead-letters with the reason logged; ``handle`` never sees such an event.
    """

    async def on_event(envelope: Envelope) -> None:
        check_source(envelope)
        data = parse_data(envelope)
        with continued_span(f"consume {envelope.type}", envelope.trace_headers(),
                            attributes={"messaging.consumer": consumer, "event.id": envelope.id}):
            try:
                async with database.session() as session:
                    if await _was_processed(session, model, consumer, envelope.id):
                        log.info("skipping redelivered event %s", envelope.id,
                                 extra={"event_id": envelope.id, "event_type": envelope.type})
                        return
                    record = model()
                    record.consumer = consumer
                    record.event_id = envelope.id
                    record.event_type = envelope.type
                    record.processed_at = utcnow()
                    session.add(record)
                    await handle(session, envelope, data)
            except IntegrityError:
                async with database.session() as session:
                    if not await _was_processed(session, model, consumer, envelope.id):
                        raise
                # A concurrent delivery of the same event committed first.
                log.info("event %s processed concurrently; skipped", envelope.id)

    return on_event


async def _was_processed(session: AsyncSession, model: type[ProcessedEventMixin], consumer: str,
                         event_id: str) -> bool:
    found = await session.scalar(
        select(model.event_id).where(model.consumer == consumer, model.event_id == event_id)
    )
    return found is not None


def idempotent_batch_handler(
    database: Database,
    model: type[ProcessedEventMixin],
    consumer: str,
    handle: TransactionalBatchHandler,
) -> BatchHandler:
    """Wrap ``handle`` so that a batch of events is processed in one unit of work, each event id at
    most once per consumer.

    One statement records the batch's event ids as processed and returns those that were not
    already (an id twice in a batch, or redelivered after it committed, is handed over once); the
    handler gets only those. The data is validated first: an invalid event raises
    :class:`PoisonEvent` and the bus hands the events over one by one to dead-letter just that one.
    """

    async def on_batch(envelopes: Sequence[Envelope]) -> None:
        parsed: dict[str, tuple[Envelope, EventData]] = {}
        for envelope in envelopes:
            check_source(envelope)  # as idempotent_handler: a forged event is never handled
            data = parse_data(envelope)
            parsed.setdefault(envelope.id, (envelope, data))
        with continued_span(f"consume {len(parsed)} event(s)", envelopes[0].trace_headers(),
                            attributes={"messaging.consumer": consumer,
                                        "messaging.batch.message_count": str(len(parsed))}):
            async with database.session() as session:
                fresh = await _record_processed(session, model, consumer, list(parsed.values()))
                if len(fresh) < len(parsed):
                    log.info("skipping %d redelivered event(s)", len(parsed) - len(fresh),
                             extra={"service": consumer})
                if fresh:
                    await handle(session, [parsed[event_id] for event_id in parsed if event_id in fresh])

    return on_batch


async def _record_processed(session: AsyncSession, model: type[ProcessedEventMixin], consumer: str,
                            events: list[tuple[Envelope, EventData]]) -> set[str]:
    """Insert a processed-event row per event unless one exists; return the ids inserted now.

    A concurrent unit of work inserting the same id makes this one wait for it, then skip the id.
    """
    table = model.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        # The ids as one array parameter: the statement costs the same to send whatever the batch size.
        inserted = await session.execute(text(
            f"INSERT INTO {table.name} (consumer, event_id, event_type, processed_at)"
            " SELECT :consumer, u.event_id, u.event_type, now()"
            " FROM unnest(CAST(:ids AS text[]), CAST(:types AS text[])) AS u(event_id, event_type)"
            # In id order: two replicas given overlapping batches wait for each other, never in a cycle.
            " ORDER BY u.event_id ON CONFLICT DO NOTHING RETURNING event_id"
        ), {"consumer": consumer, "ids": [envelope.id for envelope, _ in events],
            "types": [envelope.type for envelope, _ in events]})
        return {event_id for (event_id,) in inserted}
    now = utcnow()
    rows = [{"consumer": consumer, "event_id": envelope.id, "event_type": envelope.type, "processed_at": now}
            for envelope, _ in events]
    statement = sqlite.insert(table).on_conflict_do_nothing().returning(table.c.event_id)
    return {event_id for (event_id,) in await session.execute(statement, rows)}
