"""A redeploy of an agent that serves: the new deployment is built and started beside the one serving, and
replaces it only once it runs; when it fails, the one serving stays, and the agent's message says so."""

from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.db.outbox import Outbox
from runagents_deployer.agents.models import Agent, Deployment
from runagents_deployer.agents.status import set_status


def concerns(agent: Agent | None, deployment_id: str) -> bool:
    """Whether ``deployment_id`` is still wanted: the agent's current deployment or its redeploy under way."""
    return agent is not None and deployment_id in (agent.deployment_id, agent.next_deployment_id)


def is_redeploy(agent: Agent, deployment_id: str) -> bool:
    return agent.next_deployment_id == deployment_id


def redeploy_failed(session: AsyncSession, outbox: Outbox, agent: Agent, deployment_id: str, reason: str) -> None:
    """The redeploy failed: the agent keeps serving its current deployment; its message names the failure
    (the deployment's own error is in its history)."""
    agent.next_deployment_id = None
    set_status(session, outbox, agent, agent.status,
               f"redeploy failed (deployment {deployment_id}): {reason}; deployment {agent.deployment_id} "
               "keeps serving", phase=agent.phase, progress=agent.progress)


def switch(session: AsyncSession, outbox: Outbox, agent: Agent, deployment: Deployment, endpoint: str,
           message: str, previous: Deployment | None) -> None:
    """The redeploy runs: it becomes the agent's deployment and the one that served is marked stopped (the
    caller stops its process after the commit)."""
    if previous is not None and previous.status in ("built", "starting", "running"):
        previous.status = "stopped"
    agent.deployment_id, agent.next_deployment_id = deployment.id, None
    deployment.status = "running"
    agent.endpoint = endpoint
    set_status(session, outbox, agent, "Running", message, phase="running", progress=100, announce=True)
