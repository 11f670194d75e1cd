from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_policy.identity_providers.models import IdentityProvider, IdentityProviderUse


async def get(session: AsyncSession, name: str) -> IdentityProvider | None:
    return await session.get(IdentityProvider, name)


async def list_all(session: AsyncSession) -> Sequence[IdentityProvider]:
    return (await session.scalars(select(IdentityProvider).order_by(IdentityProvider.name))).all()


def add(session: AsyncSession, provider: IdentityProvider) -> None:
    session.add(provider)


async def delete_provider(session: AsyncSession, provider: IdentityProvider) -> None:
    await session.delete(provider)


async def agents_using(session: AsyncSession, name: str) -> Sequence[str]:
    query = select(IdentityProviderUse.agent).where(IdentityProviderUse.identity_provider == name)
    return (await session.scalars(query.order_by(IdentityProviderUse.agent))).all()


async def uses(session: AsyncSession) -> dict[str, list[str]]:
    """Agents by the identity provider they trust."""
    found: dict[str, list[str]] = {}
    query = select(IdentityProviderUse.identity_provider, IdentityProviderUse.agent).order_by(IdentityProviderUse.agent)
    for name, agent in (await session.execute(query)).all():
        found.setdefault(name, []).append(agent)
    return found


async def replace_use(session: AsyncSession, agent: str, deployment_id: str, name: str | None) -> None:
    await session.execute(delete(IdentityProviderUse).where(IdentityProviderUse.agent == agent))
    if name is not None:
        session.add(IdentityProviderUse(agent=agent, identity_provider=name, deployment_id=deployment_id))


async def delete_use(session: AsyncSession, agent: str) -> None:
    await session.execute(delete(IdentityProviderUse).where(IdentityProviderUse.agent == agent))
