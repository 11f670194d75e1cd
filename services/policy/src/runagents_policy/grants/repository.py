from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_policy.grants.models import ToolGrant


async def replace_for_agent(session: AsyncSession, agent: str, deployment_id: str, tools: list[str]) -> None:
    await session.execute(delete(ToolGrant).where(ToolGrant.agent == agent))
    session.add_all(ToolGrant(agent=agent, tool=tool, deployment_id=deployment_id) for tool in sorted(set(tools)))


async def delete_for_agent(session: AsyncSession, agent: str) -> None:
    await session.execute(delete(ToolGrant).where(ToolGrant.agent == agent))


async def exists(session: AsyncSession, agent: str, tool: str) -> bool:
    found = await session.scalar(
        select(ToolGrant.tool).where(ToolGrant.agent == agent, ToolGrant.tool == tool)
    )
    return found is not None
