"""Which provider serves which model, cached in memory so a model call needs no database query.

Changes made through this process refresh the table as soon as they commit; changes made by
another replica show within ``route_cache_seconds`` or so (the reload runs in the background).
"""

import logging
from dataclasses import dataclass, field

from pydantic import SecretStr

from runagents_common.db import Database
from runagents_gateway.llm.upstream import RetryPolicy
from runagents_gateway.providers import repository
from runagents_gateway.providers.secrets import KeyCipher, UnreadableKey
from runagents_gateway.settings import GatewaySettings
from runagents_gateway.snapshots import Snapshot

log = logging.getLogger("runagents.gateway.routes")


@dataclass(frozen=True)
class Route:
    """One model of one provider, with what it takes to call it."""

    provider: str
    kind: str
    base_url: str | None
    model: str
    role: str
    api_key: SecretStr | None = field(default=None, repr=False)
    key_unreadable: bool = False
    timeout: float = 300.0
    """Seconds for a whole answer, or between two chunks of a stream."""
    connect_timeout: float = 10.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    api_version: str | None = None
    """Azure OpenAI's ``api-version``; with it the classic deployments URL is used."""


@dataclass(frozen=True)
class RouteSnapshot:
    routes: tuple[Route, ...]
    """Every model of every provider, oldest provider first."""
    by_name: dict[str, Route]
    """Model name -> route; also ``provider/model`` -> route. The oldest provider wins a shared name."""
    providers: frozenset[str] = frozenset()

    @classmethod
    def of(cls, routes: list[Route], providers: frozenset[str] = frozenset()) -> "RouteSnapshot":
        by_name: dict[str, Route] = {}
        for route in routes:
            by_name.setdefault(route.model, route)
        for route in routes:
            by_name.setdefault(f"{route.provider}/{route.model}", route)
        return cls(tuple(routes), by_name, providers | {route.provider for route in routes})

    def resolve(self, requested: str) -> Route | None:
        return self.by_name.get(requested)


class RouteTable:
    """Every provider's routes, from the database, kept in memory (see snapshots.py)."""

    def __init__(self, database: Database, cipher: KeyCipher, settings: GatewaySettings) -> None:
        self._database = database
        self._cipher = cipher
        self._settings = settings
        self._snapshot = Snapshot(self._load, settings.route_cache_seconds, "model providers")

    def invalidate(self) -> None:
        """Providers changed: the next call waits for them to be read again."""
        self._snapshot.invalidate()

    async def current(self) -> RouteSnapshot:
        return await self._snapshot.current()

    async def aclose(self) -> None:
        await self._snapshot.aclose()

    async def _load(self) -> RouteSnapshot:
        settings = self._settings
        async with self._database.session() as session:
            providers = sorted(await repository.list_all(session), key=lambda p: (p.created_at, p.name))
            routes: list[Route] = []
            for provider in providers:
                api_key, unreadable = self._api_key(provider.name, provider.encrypted_api_key)
                retries = settings.upstream_retries if provider.max_retries is None else provider.max_retries
                routes.extend(
                    Route(provider=provider.name, kind=provider.kind, base_url=provider.base_url,
                          model=str(model["name"]), role=str(model.get("role", "chat")), api_key=api_key,
                          key_unreadable=unreadable,
                          timeout=provider.timeout_seconds or settings.upstream_timeout_seconds,
                          connect_timeout=settings.upstream_connect_timeout_seconds,
                          retry=RetryPolicy(retries=retries), api_version=provider.api_version)
                    for model in provider.models
                )
        return RouteSnapshot.of(routes, frozenset(provider.name for provider in providers))

    def _api_key(self, provider: str, encrypted: str | None) -> tuple[SecretStr | None, bool]:
        if encrypted is None:
            return None, False
        try:
            return self._cipher.decrypt(encrypted), False
        except UnreadableKey:
            log.error("the API key of model provider %s does not decrypt with the configured secret key", provider)
            return None, True
