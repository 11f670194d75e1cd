from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_gateway.agent_keys.models import AgentKey


async def put(session: AsyncSession, key: AgentKey) -> None:
    await session.merge(key)


async def delete_for_agent(session: AsyncSession, agent: str, *, except_deployment: str | None = None) -> None:
    statement = delete(AgentKey).where(AgentKey.agent == agent)
    if except_deployment is not None:
        statement = statement.where(AgentKey.deployment_id != except_deployment)
    await session.execute(statement)


async def list_all(session: AsyncSession) -> Sequence[AgentKey]:
    return (await session.scalars(select(AgentKey))).all()
