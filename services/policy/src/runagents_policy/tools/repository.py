from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_policy.tools.models import Tool


async def get(session: AsyncSession, name: str) -> Tool | None:
    return await session.get(Tool, name)


async def list_all(session: AsyncSession) -> Sequence[Tool]:
    return (await session.scalars(select(Tool).order_by(Tool.name))).all()


def add(session: AsyncSession, tool: Tool) -> None:
    session.add(tool)


async def delete(session: AsyncSession, tool: Tool) -> None:
    await session.delete(tool)
