from collections.abc import Callable, Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.db import Database
from runagents_common.errors import Conflict, NotFound
from runagents_gateway.providers import repository
from runagents_gateway.providers.models import ModelProvider
from runagents_gateway.providers.schemas import (
    DEFAULT_BASE_URLS,
    ProviderIn,
    ProviderSpec,
    ProviderUpdate,
    without_credentials,
)
from runagents_gateway.providers.secrets import KeyCipher

OnChange = Callable[[], None]
"""Told of a change once it committed: the routes cached in memory refresh when it is visible, not before."""


async def register(session: AsyncSession, cipher: KeyCipher, provider_in: ProviderIn,
                   on_change: OnChange, by: str | None = None) -> ModelProvider:
    if await repository.get(session, provider_in.name) is not None:
        raise Conflict(f"a model provider named {provider_in.name!r} is already registered")
    provider = ModelProvider(name=provider_in.name, created_by=by, updated_by=by)
    _apply(provider, provider_in)
    provider.encrypted_api_key = cipher.encrypt(provider_in.api_key) if provider_in.api_key else None
    repository.add(session, provider)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"a model provider named {provider_in.name!r} is already registered") from exc
    Database.call_after_commit(session, on_change)
    return provider


async def get(session: AsyncSession, name: str) -> ModelProvider:
    provider = await repository.get(session, name)
    if provider is None:
        raise NotFound(f"no model provider named {name!r} is registered")
    return provider


async def list_providers(session: AsyncSession) -> Sequence[ModelProvider]:
    return await repository.list_all(session)


async def replace(session: AsyncSession, cipher: KeyCipher, name: str, update: ProviderUpdate,
                  on_change: OnChange, by: str | None = None) -> ModelProvider:
    provider = await get(session, name)
    _apply(provider, update)
    provider.updated_by = by
    if update.api_key is not None:
        has_key = bool(update.api_key.get_secret_value())
        provider.encrypted_api_key = cipher.encrypt(update.api_key) if has_key else None
    await session.flush()
    Database.call_after_commit(session, on_change)
    return provider


async def remove(session: AsyncSession, name: str, on_change: OnChange) -> None:
    await repository.delete(session, await get(session, name))
    Database.call_after_commit(session, on_change)


async def ensure(session: AsyncSession, cipher: KeyCipher, provider_in: ProviderIn, on_change: OnChange) -> None:
    """Register ``provider_in`` unless a provider of that name exists (idempotent seeding)."""
    if await repository.get(session, provider_in.name) is None:
        await register(session, cipher, provider_in, on_change)


def _apply(provider: ModelProvider, spec: ProviderSpec) -> None:
    provider.kind = spec.kind
    base_url = str(spec.base_url).rstrip("/") if spec.base_url else DEFAULT_BASE_URLS.get(spec.kind)
    provider.base_url = base_url
    provider.models = [model.model_dump() for model in spec.models]
    provider.timeout_seconds = spec.timeout_seconds
    provider.max_retries = spec.max_retries
    provider.api_version = spec.api_version


def describe(provider: ModelProvider, api_key: str) -> str:
    """A provider's configuration in plain words, for its audit entry: whether it has a key, never the key."""
    base_url = without_credentials(provider.base_url) if provider.base_url else "default address"
    models = ", ".join(str(model.get("name", "?")) for model in provider.models) or "none"
    return f"{provider.kind} at {base_url}, models: {models}; API key {api_key}"
