import logging

from sqlalchemy.ext.asyncio import AsyncSession

from runagents_analyzer.analyses import repository
from runagents_analyzer.analyses.models import UNFINISHED
from runagents_common.db import Database
from runagents_common.db.inbox import TransactionalHandler
from runagents_common.events import EventData, PoisonEvent
from runagents_common.events.catalog import AnalysisRequested
from runagents_common.events.envelope import Envelope
from runagents_common.jobs import JobRunner

log = logging.getLogger("runagents.analyzer.consumers")


def handlers(jobs: JobRunner) -> dict[str, TransactionalHandler]:
    async def on_analysis_requested(session: AsyncSession, _envelope: Envelope, data: EventData) -> None:
        assert isinstance(data, AnalysisRequested)
        analysis = await repository.get(session, data.analysis_id)
        if analysis is None:
            raise PoisonEvent(f"no analysis with id {data.analysis_id!r}")
        if analysis.status not in UNFINISHED:
            log.info("analysis %s is already %s", analysis.id, analysis.status)
            return
        # The job runs outside this unit of work, and only once it has committed.
        analysis_id = analysis.id
        Database.call_after_commit(session, lambda: jobs.submit(analysis_id))

    return {AnalysisRequested.event_type: on_analysis_requested}
