"""The runs service: every invoke of a deployed agent as a run with its event timeline."""

from pathlib import Path

from runagents_common.db import Database
from runagents_common.db.outbox import Outbox
from runagents_common.service import ServiceComponent
from runagents_runs.db import Base, OutboxMessage, ProcessedEvent
from runagents_runs.runs.consumers import HANDLERS, batch_handler
from runagents_runs.runs.endpoints import router as runs_router
from runagents_runs.runs.service import RunsContext
from runagents_runs.settings import RunsSettings

# Importing the models registers their tables on the metadata.
from runagents_runs.runs import models as _runs  # noqa: F401  isort: skip

SERVICE = "runs"


def create_component(settings: RunsSettings | None = None) -> ServiceComponent:
    settings = settings or RunsSettings()
    context = RunsContext(announced_wait_seconds=settings.runs_announced_wait_seconds)
    return ServiceComponent(
        name=SERVICE,
        routers=[runs_router],
        database=Database.for_service(settings, SERVICE),
        metadata=Base.metadata,
        migrations_dir=Path(__file__).parent / "migrations",
        outbox=Outbox(OutboxMessage, source=f"/runagents/{SERVICE}"),
        processed_events=ProcessedEvent,
        handlers=HANDLERS,
        batch_handler=batch_handler(context.ingested),
        batch_size=settings.runs_batch_size,
        context=context,
    )
