from collections.abc import Sequence

from sqlalchemy import delete as delete_rows
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_deployer.agents.models import ACTIVE_DEPLOYMENT_STATES, Agent, Deployment


async def get(session: AsyncSession, name: str) -> Agent | None:
    return await session.get(Agent, name)


async def list_agents(session: AsyncSession) -> Sequence[Agent]:
    return (await session.scalars(select(Agent).order_by(Agent.name))).all()


def add(session: AsyncSession, *rows: Agent | Deployment) -> None:
    session.add_all(rows)


async def delete(session: AsyncSession, agent: Agent) -> None:
    # The deployments go first, by a statement of their own: deleted one by one as objects, the unit of
    # work (which knows of no relationship between the two) could delete the agent first, and the
    # database's ON DELETE CASCADE would take them before their own DELETE ("expected to delete 2 rows;
    # 0 were matched").
    await session.execute(delete_rows(Deployment).where(Deployment.agent == agent.name))
    await session.delete(agent)


async def get_deployment(session: AsyncSession, deployment_id: str) -> Deployment | None:
    return await session.get(Deployment, deployment_id)


async def deployments_to_start(session: AsyncSession) -> Sequence[str]:
    """Deployments that should be running (resumed after a restart of the deployer): each agent's current
    one, and a redeploy under way."""
    query = (
        select(Deployment.id)
        .join(Agent, or_(Agent.deployment_id == Deployment.id, Agent.next_deployment_id == Deployment.id))
        .where(Deployment.status.in_(ACTIVE_DEPLOYMENT_STATES))
        .order_by(Deployment.created_at)
    )
    return (await session.scalars(query)).all()


async def deployments_of(session: AsyncSession, agent: str) -> Sequence[Deployment]:
    """An agent's deployments, newest first."""
    query = select(Deployment).where(Deployment.agent == agent).order_by(Deployment.created_at.desc(),
                                                                         Deployment.id.desc())
    return (await session.scalars(query)).all()
