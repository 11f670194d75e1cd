from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.db import Database
from runagents_common.db.outbox import Outbox
from runagents_common.events import EventData
from runagents_common.events.catalog import AgentBuildCompleted, AgentBuildFailed, AgentBuildProgressed
from runagents_common.events.envelope import Envelope
from runagents_common.service import TransactionalHandler
from runagents_deployer.agents import repository
from runagents_deployer.agents.models import Agent
from runagents_deployer.agents.rollout import concerns, is_redeploy, redeploy_failed
from runagents_deployer.agents.status import set_status

BUILD_SHARE = 70
"""Share of an agent's deploy progress bar the build takes (queued 5% → built 75% → running 100%)."""


def handlers(outbox: Outbox, start: Callable[[str], None]) -> dict[str, TransactionalHandler]:
    async def current_agent(session: AsyncSession, agent_name: str, deployment_id: str) -> Agent | None:
        """The agent, when ``deployment_id`` is its current deployment or its redeploy under way."""
        agent = await repository.get(session, agent_name)
        return agent if concerns(agent, deployment_id) else None

    async def on_build_progressed(session: AsyncSession, _e: Envelope, data: EventData) -> None:
        assert isinstance(data, AgentBuildProgressed)
        agent = await current_agent(session, data.agent, data.deployment_id)
        if agent is not None and agent.deployment_id == data.deployment_id and agent.status == "Pending" \
                and agent.phase in ("queued", "building"):
            agent.phase = "building"
            agent.progress = max(agent.progress, 5 + data.progress * BUILD_SHARE // 100)
            agent.message = f"building: {data.phase}"

    async def on_build_completed(session: AsyncSession, _e: Envelope, data: EventData) -> None:
        assert isinstance(data, AgentBuildCompleted)
        deployment = await repository.get_deployment(session, data.deployment_id)
        agent = await current_agent(session, data.agent, data.deployment_id)
        if deployment is None or agent is None:
            return
        deployment.status = "built"
        deployment.artifact_kind, deployment.artifact_ref = data.artifact_kind, data.artifact_ref
        deployment.source_dir = data.source_dir
        if not is_redeploy(agent, data.deployment_id):
            set_status(session, outbox, agent, "Pending", "built; starting", phase="built",
                       progress=5 + BUILD_SHARE)
        Database.call_after_commit(session, lambda: start(data.deployment_id))

    async def on_build_failed(session: AsyncSession, _e: Envelope, data: EventData) -> None:
        assert isinstance(data, AgentBuildFailed)
        deployment = await repository.get_deployment(session, data.deployment_id)
        agent = await current_agent(session, data.agent, data.deployment_id)
        if deployment is not None:
            deployment.status, deployment.error = "failed", data.reason
        if agent is not None and is_redeploy(agent, data.deployment_id):
            redeploy_failed(session, outbox, agent, data.deployment_id, f"the build failed: {data.reason}")
        elif agent is not None:
            set_status(session, outbox, agent, "Failed", data.reason, phase="failed", progress=100)

    return {
        AgentBuildProgressed.event_type: on_build_progressed,
        AgentBuildCompleted.event_type: on_build_completed,
        AgentBuildFailed.event_type: on_build_failed,
    }
