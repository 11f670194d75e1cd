from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.errors import Conflict, NotFound
from runagents_policy.tools import repository
from runagents_policy.tools.models import Tool
from runagents_policy.tools.schemas import ToolIn, ToolUpdate


async def register(session: AsyncSession, tool_in: ToolIn, by: str | None = None) -> Tool:
    if await repository.get(session, tool_in.name) is not None:
        raise Conflict(f"a tool named {tool_in.name!r} is already registered")
    tool = Tool(
        name=tool_in.name,
        base_url=str(tool_in.base_url).rstrip("/"),
        description=tool_in.description,
        capabilities=[c.model_dump() for c in tool_in.capabilities],
        created_by=by,
        updated_by=by,
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


async def replace(session: AsyncSession, name: str, update: ToolUpdate, by: str | None = None) -> Tool:
    tool = await get(session, name)
    tool.base_url = str(update.base_url).rstrip("/")
    tool.description = update.description
    tool.capabilities = [c.model_dump() for c in update.capabilities]
    tool.updated_by = by
    await session.flush()
    return tool


async def remove(session: AsyncSession, name: str) -> None:
    await repository.delete(session, await get(session, name))


async def reconcile(session: AsyncSession, tool_in: ToolIn) -> None:
    """Make a platform-owned tool exist exactly as ``tool_in`` (idempotent; also repairs a starter tool
    registered while the platform listened at another address)."""
    existing = await repository.get(session, tool_in.name)
    if existing is None:
        await register(session, tool_in)
        return
    update = ToolUpdate(base_url=tool_in.base_url, description=tool_in.description,
                        capabilities=tool_in.capabilities)
    desired = (str(update.base_url).rstrip("/"), update.description, [c.model_dump() for c in update.capabilities])
    if (existing.base_url, existing.description, existing.capabilities) != desired:
        await replace(session, tool_in.name, update)


def describe(tool: Tool) -> str:
    """A tool's configuration in plain words, for its audit entry."""
    count = len(tool.capabilities)
    return f"base URL {tool.base_url}, {count} capabilit{'y' if count == 1 else 'ies'}"
