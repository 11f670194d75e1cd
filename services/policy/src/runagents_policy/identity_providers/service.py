"""Registering, replacing and removing identity providers; each change is announced to the deployer."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.db import utcnow
from runagents_common.db.outbox import Outbox
from runagents_common.errors import Conflict, NotFound
from runagents_common.events.catalog import IdentityProviderRegistered, IdentityProviderRemoved
from runagents_policy.identity_providers import repository
from runagents_policy.identity_providers.models import IdentityProvider
from runagents_policy.identity_providers.schemas import IdentityProviderIn, IdentityProviderUpdate


async def register(session: AsyncSession, outbox: Outbox, provider_in: IdentityProviderIn,
                   by: str | None = None) -> IdentityProvider:
    if await repository.get(session, provider_in.name) is not None:
        raise Conflict(f"an identity provider named {provider_in.name!r} is already registered")
    provider = IdentityProvider(name=provider_in.name, created_at=utcnow(), created_by=by)
    _configure(provider, provider_in)
    provider.updated_by = by
    repository.add(session, provider)
    await session.flush()
    _announce(outbox, session, provider)
    return provider


async def get(session: AsyncSession, name: str) -> IdentityProvider:
    provider = await repository.get(session, name)
    if provider is None:
        raise NotFound(f"no identity provider named {name!r} is registered")
    return provider


async def list_providers(session: AsyncSession) -> Sequence[IdentityProvider]:
    return await repository.list_all(session)


async def uses(session: AsyncSession) -> dict[str, list[str]]:
    return await repository.uses(session)


async def agents_using(session: AsyncSession, name: str) -> list[str]:
    return list(await repository.agents_using(session, name))


async def replace(session: AsyncSession, outbox: Outbox, name: str, update: IdentityProviderUpdate,
                  by: str | None = None) -> IdentityProvider:
    provider = await get(session, name)
    _configure(provider, update)
    provider.updated_by = by
    await session.flush()
    _announce(outbox, session, provider)
    return provider


async def remove(session: AsyncSession, outbox: Outbox, name: str) -> None:
    provider = await get(session, name)
    agents = await agents_using(session, name)
    if agents:
        raise Conflict(
            f"identity provider {name!r} is used by agent(s) {', '.join(agents)}: delete them or redeploy them "
            "with another identity provider first", agents=agents,
        )
    await repository.delete_provider(session, provider)
    outbox.add(session, IdentityProviderRemoved(name=name, changed_at=utcnow()), subject=name)


def _configure(provider: IdentityProvider, config: IdentityProviderUpdate) -> None:
    provider.issuer = config.issuer
    provider.audiences = list(dict.fromkeys(config.audiences))
    provider.jwks_url = str(config.jwks_url) if config.jwks_url is not None else None
    provider.jwks = config.jwks
    provider.algorithms = list(config.algorithms)
    provider.user_claim = config.user_claim
    provider.updated_at = utcnow()


def _announce(outbox: Outbox, session: AsyncSession, provider: IdentityProvider) -> None:
    outbox.add(session, IdentityProviderRegistered(
        name=provider.name, issuer=provider.issuer, audiences=provider.audiences, jwks_url=provider.jwks_url,
        jwks=provider.jwks, algorithms=provider.algorithms, user_claim=provider.user_claim,
        changed_at=provider.updated_at,
    ), subject=provider.name)


def describe(provider: IdentityProvider) -> str:
    """A provider's configuration in plain words, for its audit entry (a JWK set holds public keys only)."""
    keys = f"JWKS at {provider.jwks_url}" if provider.jwks_url else "an inline JWK set"
    return (f"issuer {provider.issuer}, audiences {', '.join(provider.audiences)}, {keys}, "
            f"algorithms {', '.join(provider.algorithms)}")
