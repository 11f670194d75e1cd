"""Which agents trust which identity provider, from the deployer's events (a provider in use is not deleted)."""

from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.events import EventData
from runagents_common.events.catalog import AgentDeleted, AgentDeployRequested
from runagents_common.events.envelope import Envelope
from runagents_policy.identity_providers import repository


async def on_agent_deploy_requested(session: AsyncSession, _envelope: Envelope, data: EventData) -> None:
    assert isinstance(data, AgentDeployRequested)
    await repository.replace_use(session, data.agent, data.deployment_id, data.identity_provider)


async def on_agent_deleted(session: AsyncSession, _envelope: Envelope, data: EventData) -> None:
    assert isinstance(data, AgentDeleted)
    await repository.delete_use(session, data.agent)


HANDLERS = {
    AgentDeployRequested.event_type: on_agent_deploy_requested,
    AgentDeleted.event_type: on_agent_deleted,
}
