"""Which provider serves which model, cached in memory so a model call needs no database query.

Changes made through this process refresh the table as soon as they commit; changes made by
another replica show after ``route_cache_seconds`` at most.
"""

import asyncio
import logging
import time
from dataclasses import dataclass, field

from pydantic import SecretStr

from runagents_common.db import Database
from runagents_gateway.llm.errors import LlmError
from runagents_gateway.providers import repository
from runagents_gateway.providers.secrets import KeyCipher, UnreadableKey

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


@dataclass(frozen=True)
class RouteSnapshot:
    routes: tuple[Route, ...]
    """Every model of every provider, oldest provider first."""
    by_name: dict[str, Route]
    """Model name -> route; also ``provider/model`` -> route. The oldest provider wins a shared name."""

    @classmethod
    def of(cls, routes: list[Route]) -> "RouteSnapshot":
        by_name: dict[str, Route] = {}
        for route in routes:
            by_name.setdefault(route.model, route)
        for route in routes:
            by_name.setdefault(f"{route.provider}/{route.model}", route)
        return cls(tuple(routes), by_name)

    def resolve(self, requested: str) -> Route | None:
        return self.by_name.get(requested)


class RouteTable:
    def __init__(self, database: Database, cipher: KeyCipher, ttl_seconds: float) -> None:
        self._database = database
        self._cipher = cipher
        self._ttl = ttl_seconds
        self._snapshot: RouteSnapshot | None = None
        self._fresh_until = 0.0
        self._generation = 0
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        """Reload on next use: providers changed."""
        self._generation += 1
        self._fresh_until = 0.0

    async def current(self) -> RouteSnapshot:
        if self._snapshot is not None and time.monotonic() < self._fresh_until:
            return self._snapshot
        async with self._lock:
            if self._snapshot is not None and time.monotonic() < self._fresh_until:
                return self._snapshot
            generation = self._generation
            try:
                snapshot = await self._load()
            except Exception as exc:
                if self._snapshot is None:
                    raise LlmError(503, "The gateway cannot read its model providers right now.",
                                   code="routes_unavailable") from exc
                log.warning("could not refresh model routes; serving the last ones", exc_info=True)
                return self._snapshot
            self._snapshot = snapshot
            # An invalidation during the load may have come after the rows were read: stay stale.
            if generation == self._generation:
                self._fresh_until = time.monotonic() + self._ttl
            return snapshot

    async def _load(self) -> RouteSnapshot:
        async with self._database.session() as session:
            providers = sorted(await repository.list_all(session), key=lambda p: (p.created_at, p.name))
            routes: list[Route] = []
            for provider in providers:
                api_key, unreadable = self._api_key(provider.name, provider.encrypted_api_key)
                routes.extend(
                    Route(provider=provider.name, kind=provider.kind, base_url=provider.base_url,
                          model=str(model["name"]), role=str(model.get("role", "chat")), api_key=api_key,
                          key_unreadable=unreadable)
                    for model in provider.models
                )
        return RouteSnapshot.of(routes)

    def _api_key(self, provider: str, encrypted: str | None) -> tuple[SecretStr | None, bool]:
        if encrypted is None:
            return None, False
        try:
            return self._cipher.decrypt(encrypted), False
        except UnreadableKey:
            log.error("the API key of model provider %s does not decrypt with the configured secret key", provider)
            return None, True
