"""The gateway's copy of each deployment's key hash and model wiring, from the deployer's events.

A redeploy's new key works as soon as it is requested; the previous deployment's key keeps working
until the new deployment runs (the old one serves until then), and is revoked then. Deleting the
agent revokes every key it had.
"""

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.db import Database
from runagents_common.events import EventData
from runagents_common.events.catalog import AgentDeleted, AgentDeployRequested, AgentStatusChanged
from runagents_common.events.envelope import Envelope
from runagents_common.service import TransactionalHandler
from runagents_gateway.agent_keys import repository
from runagents_gateway.agent_keys.models import AgentKey


def handlers(on_change: Callable[[], None]) -> dict[str, TransactionalHandler]:
    async def on_deploy_requested(session: AsyncSession, _envelope: Envelope, data: EventData) -> None:
        assert isinstance(data, AgentDeployRequested)
        if data.agent_key_sha256 is None:
            return
        await repository.put(session, AgentKey(
            key_sha256=data.agent_key_sha256.lower(), agent=data.agent, deployment_id=data.deployment_id,
            models=data.models, aliases=data.model_aliases, fallbacks=data.model_fallbacks,
            limits=data.llm_limits,
        ))
        Database.call_after_commit(session, on_change)

    async def on_status_changed(session: AsyncSession, _envelope: Envelope, data: EventData) -> None:
        assert isinstance(data, AgentStatusChanged)
        if data.status == "Running":
            await repository.delete_for_agent(session, data.agent, except_deployment=data.deployment_id)
            Database.call_after_commit(session, on_change)

    async def on_deleted(session: AsyncSession, _envelope: Envelope, data: EventData) -> None:
        assert isinstance(data, AgentDeleted)
        await repository.delete_for_agent(session, data.agent)
        Database.call_after_commit(session, on_change)

    return {
        AgentDeployRequested.event_type: on_deploy_requested,
        AgentStatusChanged.event_type: on_status_changed,
        AgentDeleted.event_type: on_deleted,
    }
