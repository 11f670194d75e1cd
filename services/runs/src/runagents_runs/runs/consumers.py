"""The events the runs service ingests; a batch of them is merged in one unit of work (see ``ingest``)."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.db import Database
from runagents_common.db.inbox import TransactionalBatchHandler, TransactionalHandler
from runagents_common.events import EventData
from runagents_common.events.catalog import (
    LlmCallCompleted,
    LlmCallsCompleted,
    RunCompleted,
    RunStarted,
    ToolCallCompleted,
)
from runagents_common.events.envelope import Envelope
from runagents_runs.runs.ingest import ingest
from runagents_runs.runs.service import Ingested

INGESTED_TYPES = (RunStarted, RunCompleted, LlmCallCompleted, LlmCallsCompleted, ToolCallCompleted)


def batch_handler(ingested: Ingested) -> TransactionalBatchHandler:
    """Merge a batch; once it committed, wake the readers waiting for a run."""

    async def on_batch(session: AsyncSession, events: Sequence[tuple[Envelope, EventData]]) -> None:
        await ingest(session, events)
        Database.call_after_commit(session, ingested.committed)

    return on_batch


async def on_event(session: AsyncSession, envelope: Envelope, data: EventData) -> None:
    await ingest(session, [(envelope, data)])


HANDLERS: dict[str, TransactionalHandler] = {event.event_type: on_event for event in INGESTED_TYPES}
