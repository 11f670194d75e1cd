from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.events import EventData
from runagents_common.events.catalog import AgentDeleted, AgentDeployRequested
from runagents_common.events.envelope import Envelope
from runagents_policy.grants import repository


async def on_agent_deploy_requested(session: AsyncSession, _envelope: Envelope, data: EventData) -> None:
    assert isinstance(data, AgentDeployRequested)
    await repository.replace_for_agent(session, data.agent, data.deployment_id, data.tools)


async def on_agent_deleted(session: AsyncSession, _envelope: Envelope, data: EventData) -> None:
    assert isinstance(data, AgentDeleted)
    await repository.delete_for_agent(session, data.agent)


HANDLERS = {
    AgentDeployRequested.event_type: on_agent_deploy_requested,
    AgentDeleted.event_type: on_agent_deleted,
}
