"""The builder service: turns an analyzed upload into an artifact the deployer can start."""

import asyncio
import logging
from pathlib import Path

from runagents_builder.artifacts.local_venv import LocalVenvBuilder
from runagents_builder.builds import repository
from runagents_builder.builds.consumers import handlers
from runagents_builder.builds.endpoints import router
from runagents_builder.builds.service import BuildRunner
from runagents_builder.db import Base, OutboxMessage, ProcessedEvent
from runagents_builder.settings import BuilderSettings
from runagents_common.db import Database
from runagents_common.db.outbox import Outbox
from runagents_common.http import service_client
from runagents_common.jobs import JobRunner
from runagents_common.scratch import ScratchSpace
from runagents_common.service import ServiceComponent

from runagents_builder.builds import models as _models  # noqa: F401  isort: skip

SERVICE = "builder"
log = logging.getLogger("runagents.builder")


def create_component(settings: BuilderSettings | None = None) -> ServiceComponent:
    settings = settings or BuilderSettings()
    database = Database.for_service(settings, SERVICE)
    outbox = Outbox(OutboxMessage, source=f"/runagents/{SERVICE}")
    artifacts = LocalVenvBuilder(
        root=Path(settings.data_dir).resolve() / "builds", python=settings.builder_python, uv=settings.builder_uv,
        timeout_seconds=settings.builder_timeout_seconds,
    )
    analyzer = service_client(settings.service_url("analyzer"), timeout=60, key=settings.service_key(SERVICE))
    scratch = ScratchSpace(Path(settings.data_dir).resolve() / SERVICE / "scratch")
    runner = BuildRunner(database, outbox, artifacts, analyzer, scratch)
    jobs = JobRunner("build", runner.run, concurrency=settings.builder_concurrency)

    async def sweep_scratch() -> None:
        removed = await asyncio.to_thread(scratch.sweep)
        if removed:
            log.info("removed %d scratch folder(s) left by builder processes that ended", len(removed))

    async def resume_unfinished_builds() -> None:
        async with database.session() as session:
            for build_id in await repository.unfinished_ids(session):
                jobs.submit(build_id)

    async def stop() -> None:
        await jobs.stop()
        await analyzer.aclose()
        await asyncio.to_thread(scratch.close)

    return ServiceComponent(
        name=SERVICE,
        routers=[router],
        database=database,
        metadata=Base.metadata,
        migrations_dir=Path(__file__).parent / "migrations",
        outbox=outbox,
        processed_events=ProcessedEvent,
        handlers=handlers(jobs.submit),
        on_startup=[sweep_scratch, resume_unfinished_builds],
        on_shutdown=[stop],
        context=jobs,
    )
