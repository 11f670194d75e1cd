"""The analyzer service: stores uploads, analyzes them in the background, serves reports and sources."""

import asyncio
import logging
from pathlib import Path

from runagents_analyzer.analyses import repository
from runagents_analyzer.analyses.consumers import handlers
from runagents_analyzer.analyses.endpoints import router as analyses_router
from runagents_analyzer.analyses.job import AnalysisJob
from runagents_analyzer.context import AnalyzerContext
from runagents_analyzer.db import Base, OutboxMessage, ProcessedEvent
from runagents_analyzer.settings import AnalyzerSettings
from runagents_analyzer.sources import LocalSourceStore
from runagents_common.db import Database
from runagents_common.db.outbox import Outbox
from runagents_common.jobs import JobRunner
from runagents_common.scratch import ScratchSpace
from runagents_common.service import ServiceComponent

# Importing the models registers their tables on the metadata.
from runagents_analyzer.analyses import models as _analyses  # noqa: F401  isort: skip

SERVICE = "analyzer"
log = logging.getLogger("runagents.analyzer")


def create_component(settings: AnalyzerSettings | None = None) -> ServiceComponent:
    settings = settings or AnalyzerSettings()
    database = Database.for_service(settings, SERVICE)
    outbox = Outbox(OutboxMessage, source=f"/runagents/{SERVICE}")
    service_dir = Path(settings.data_dir).resolve() / SERVICE
    store = LocalSourceStore(service_dir)
    scratch = ScratchSpace(service_dir / "scratch")
    jobs = JobRunner("analysis", AnalysisJob(database, outbox, store, settings, scratch),
                     settings.analyzer_concurrency)
    context = AnalyzerContext(settings=settings, store=store, outbox=outbox)

    async def sweep_scratch() -> None:
        # what jobs of a crashed analyzer left: the sources they had written out for the engine
        removed = await asyncio.to_thread(scratch.sweep)
        if removed:
            log.info("removed %d scratch folder(s) left by analyzer processes that ended", len(removed))

    async def stop_jobs() -> None:
        await jobs.stop()
        await asyncio.to_thread(scratch.close)

    async def resume_unfinished() -> None:
        async with database.session() as session:
            unfinished = await repository.unfinished_ids(session)
        for analysis_id in unfinished:
            jobs.submit(analysis_id)

    return ServiceComponent(
        name=SERVICE,
        routers=[analyses_router],
        database=database,
        metadata=Base.metadata,
        migrations_dir=Path(__file__).parent / "migrations",
        outbox=outbox,
        processed_events=ProcessedEvent,
        handlers=handlers(jobs),
        on_startup=[sweep_scratch, resume_unfinished],
        on_shutdown=[stop_jobs],
        context=context,
    )
