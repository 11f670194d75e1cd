from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_deployer.identity_providers.models import IdentityProvider


async def get_any(session: AsyncSession, name: str) -> IdentityProvider | None:
    """The provider's row, a removal's tombstone included."""
    return await session.get(IdentityProvider, name)


async def get(session: AsyncSession, name: str) -> IdentityProvider | None:
    provider = await session.get(IdentityProvider, name)
    return provider if provider is not None and not provider.removed else None


async def names(session: AsyncSession) -> Sequence[str]:
    query = select(IdentityProvider.name).where(IdentityProvider.removed.is_(False)).order_by(IdentityProvider.name)
    return (await session.scalars(query)).all()


def add(session: AsyncSession, provider: IdentityProvider) -> None:
    session.add(provider)
