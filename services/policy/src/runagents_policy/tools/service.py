from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.errors import Conflict, NotFound
from runagents_policy.tools import repository
from runagents_policy.tools.models import Tool
from runagents_policy.tools.schemas import ToolIn, ToolUpdate


async def register(session: AsyncSession, tool_in: ToolIn) -> Tool:
    if await repository.get(session, tool_in.name) is not None:
        raise Conflict(f"a tool named {tool_in.name!r} is already registered")
    tool = Tool(
        name=tool_in.name,
        base_url=str(tool_in.base_url).rstrip("/"),
        description=tool_in.description,
        capabilities=[c.model_dump() for c in tool_in.capabilities],
    )
    repository.add(session, tool)
    await session.flush()
    return tool


async def get(session: AsyncSession, name: str) -> Tool:
    tool = await repository.get(session, name)
    if tool is None:
        raise NotFound(f"no tool named {name!r} is registered")
    return tool


async def list_tools(session: AsyncSession) -> Sequence[Tool]:
    return await repository.list_all(session)


async def replace(session: AsyncSession, name: str, update: ToolUpdate) -> Tool:
    tool = await get(session, name)
    tool.base_url = str(update.base_url).rstrip("/")
    tool.description = update.description
    tool.capabilities = [c.model_dump() for c in update.capabilities]
    await session.flush()
    return tool


async def remove(session: AsyncSession, name: str) -> None:
    await repository.delete(session, await get(session, name))


async def ensure(session: AsyncSession, tool_in: ToolIn) -> None:
    """Register ``tool_in`` unless a tool of that name exists (idempotent seeding)."""
    if await repository.get(session, tool_in.name) is None:
        await register(session, tool_in)
