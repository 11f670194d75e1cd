from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_gateway.providers.models import ModelProvider


async def get(session: AsyncSession, name: str) -> ModelProvider | None:
    return await session.get(ModelProvider, name)


async def list_all(session: AsyncSession) -> Sequence[ModelProvider]:
    return (await session.scalars(select(ModelProvider).order_by(ModelProvider.name))).all()


def add(session: AsyncSession, provider: ModelProvider) -> None:
    session.add(provider)


async def delete(session: AsyncSession, provider: ModelProvider) -> None:
    await session.delete(provider)
