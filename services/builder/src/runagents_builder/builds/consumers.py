from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from runagents_builder.builds import repository
from runagents_builder.builds.models import Build
from runagents_common.db import Database
from runagents_common.events import EventData
from runagents_common.events.catalog import AgentBuildRequested
from runagents_common.events.envelope import Envelope
from runagents_common.service import TransactionalHandler


def handlers(submit: Callable[[str], None]) -> dict[str, TransactionalHandler]:
    async def on_build_requested(session: AsyncSession, _envelope: Envelope, data: EventData) -> None:
        assert isinstance(data, AgentBuildRequested)
        if await repository.get(session, data.deployment_id) is None:
            repository.add(session, Build(id=data.deployment_id, agent=data.agent, analysis_id=data.analysis_id,
                                          packages=data.packages,
                                          install_plan=data.install_plan.model_dump(mode="json")
                                          if data.install_plan else None))
        Database.call_after_commit(session, lambda: submit(data.deployment_id))

    return {AgentBuildRequested.event_type: on_build_requested}
