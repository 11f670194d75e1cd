from sqlalchemy.ext.asyncio import AsyncSession

from runagents_deployer.identity_providers import repository
from runagents_deployer.identity_providers.keys import TrustedProvider


async def trusted(session: AsyncSession, name: str) -> TrustedProvider | None:
    """The registered identity provider ``name`` as tokens are checked against it, or None if it is not (any more)."""
    provider = await repository.get(session, name)
    if provider is None:
        return None
    return TrustedProvider(
        name=provider.name, issuer=provider.issuer, audiences=list(provider.audiences),
        algorithms=list(provider.algorithms), user_claim=provider.user_claim, jwks_url=provider.jwks_url,
        jwks=provider.jwks,
    )
