"""Moves an agent between Pending, Running and Failed, and tells the platform."""

from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.db.outbox import Outbox
from runagents_common.events.catalog import AgentStatusChanged
from runagents_deployer.agents.models import Agent


def set_status(session: AsyncSession, outbox: Outbox, agent: Agent, status: str, message: str, *,
               phase: str, progress: int, announce: bool = False) -> None:
    """``announce``: tell the platform even when neither status nor message changed (the agent switched to
    another deployment: the gateway revokes the previous deployment's key when it hears it runs)."""
    changed = announce or agent.status != status or agent.message != message
    agent.status, agent.message, agent.phase, agent.progress = status, message, phase, progress
    if changed:
        outbox.add(session, AgentStatusChanged(agent=agent.name, deployment_id=agent.deployment_id,
                                               status=status, message=message),
                   subject=agent.name)
