from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_builder.builds.models import UNFINISHED, Build


async def get(session: AsyncSession, build_id: str) -> Build | None:
    return await session.get(Build, build_id)


def add(session: AsyncSession, build: Build) -> None:
    session.add(build)


async def list_builds(session: AsyncSession, agent: str | None, limit: int) -> Sequence[Build]:
    query = select(Build).order_by(Build.created_at.desc()).limit(limit)
    if agent:
        query = query.where(Build.agent == agent)
    return (await session.scalars(query)).all()


async def unfinished_ids(session: AsyncSession) -> Sequence[str]:
    return (await session.scalars(select(Build.id).where(Build.status.in_(UNFINISHED)))).all()
