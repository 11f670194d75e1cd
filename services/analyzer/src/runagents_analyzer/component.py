"""The analyzer service: stores uploads, analyzes them in the background, serves reports and sources."""

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
from runagents_common.service import ServiceComponent

# Importing the models registers their tables on the metadata.
from runagents_analyzer.analyses import models as _analyses  # noqa: F401  isort: skip

SERVICE = "analyzer"


def create_component(settings: AnalyzerSettings | None = None) -> ServiceComponent:
    settings = settings or AnalyzerSettings()
    database = Database.for_service(settings, SERVICE)
    outbox = Outbox(OutboxMessage, source=f"/runagents/{SERVICE}")
    store = LocalSourceStore(Path(settings.data_dir).resolve() / SERVICE)
    jobs = JobRunner("analysis", AnalysisJob(database, outbox, store, settings), settings.analyzer_concurrency)
    context = AnalyzerContext(settings=settings, store=store, outbox=outbox)

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
        on_startup=[resume_unfinished],
        on_shutdown=[jobs.stop],
        context=context,
    )
