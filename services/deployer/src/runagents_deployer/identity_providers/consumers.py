"""The deployer's copy of the identity providers, kept from the policy service's events."""

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.events import EventData
from runagents_common.events.catalog import IdentityProviderRegistered, IdentityProviderRemoved
from runagents_common.events.envelope import Envelope
from runagents_deployer.identity_providers import repository
from runagents_deployer.identity_providers.models import IdentityProvider

log = logging.getLogger("runagents.deployer.identity_providers")


async def on_registered(session: AsyncSession, _envelope: Envelope, data: EventData) -> None:
    assert isinstance(data, IdentityProviderRegistered)
    provider = await repository.get_any(session, data.name)
    if provider is not None and provider.changed_at > data.changed_at:
        log.info("ignoring an older configuration of identity provider %s", data.name)
        return
    if provider is None:
        provider = IdentityProvider(name=data.name)
        repository.add(session, provider)
    provider.issuer, provider.audiences = data.issuer, list(data.audiences)
    provider.jwks_url, provider.jwks = data.jwks_url, data.jwks
    provider.algorithms, provider.user_claim = list(data.algorithms), data.user_claim
    provider.changed_at, provider.removed = data.changed_at, False


async def on_removed(session: AsyncSession, _envelope: Envelope, data: EventData) -> None:
    assert isinstance(data, IdentityProviderRemoved)
    provider = await repository.get_any(session, data.name)
    if provider is not None and provider.changed_at > data.changed_at:
        return
    if provider is None:  # the removal overtook the registration: the tombstone keeps it from coming back
        provider = IdentityProvider(name=data.name, issuer="", audiences=[], algorithms=[], user_claim="")
        repository.add(session, provider)
    provider.removed, provider.changed_at = True, data.changed_at


HANDLERS = {
    IdentityProviderRegistered.event_type: on_registered,
    IdentityProviderRemoved.event_type: on_removed,
}
