"""Which agent a gateway key belongs to, and which provider and model serve each model name it asks for.

The wiring decides: a name the agent's code asks for (as analysis found it, or any name it does not
wire) is served by the model wired for its role, so code written for ``gpt-4o-mini`` runs on
whatever the operator chose. Only wired models are ever called; naming another registered provider
outright (``provider/model``) is refused.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from runagents_common.db import Database
from runagents_gateway.agent_keys import repository
from runagents_gateway.llm.errors import LlmError
from runagents_gateway.snapshots import Snapshot

MISS_RELOAD_SECONDS = 1.0
"""An unknown key reloads the keys at most this often (a deployment's key may be newer than the snapshot)."""


@dataclass(frozen=True)
class ModelTarget:
    provider: str
    model: str

    @property
    def name(self) -> str:
        return f"{self.provider}/{self.model}"


@dataclass(frozen=True)
class Grant:
    """What one deployment's key allows."""

    agent: str
    deployment_id: str
    models: Mapping[str, ModelTarget]
    """Role -> the wired model."""
    aliases: Mapping[str, str] = field(default_factory=dict)
    fallbacks: Mapping[str, ModelTarget] = field(default_factory=dict)
    requests_per_minute: int | None = None
    tokens_per_day: int | None = None

    def choose(self, requested: str, default_role: str, providers: frozenset[str]) -> tuple[str, ModelTarget]:
        """The role and wired model that serve ``requested``; a 403 when the wiring allows none."""
        for role, target in self.models.items():
            if requested in (target.name, target.model):
                return role, target
        role = self.aliases.get(requested, default_role)
        provider, slash, _ = requested.partition("/")
        if slash and provider in providers:
            raise LlmError(403, f"Agent {self.agent!r} is not wired to `{requested}`; it may use "
                           f"{self._wired_list()}.", code="model_not_wired")
        wired = self.models.get(role)
        if wired is None:
            raise LlmError(403, f"Agent {self.agent!r} has no {role} model wired; wire one and redeploy.",
                           code="model_not_wired")
        return role, wired

    def names(self) -> list[str]:
        """The model names this agent may ask for by name: wired models and aliases."""
        return sorted({target.model for target in self.models.values()}
                      | {alias for alias, role in self.aliases.items() if role in self.models})

    def _wired_list(self) -> str:
        names = sorted(target.name for target in self.models.values())
        return ", ".join(f"`{name}`" for name in names) if names else "no model"


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class GrantTable:
    """Every live deployment's key hash -> its grant, kept in memory (see snapshots.py)."""

    def __init__(self, database: Database, ttl_seconds: float) -> None:
        self._database = database
        self._snapshot = Snapshot(self._load, ttl_seconds, "agent keys")

    def invalidate(self) -> None:
        self._snapshot.invalidate()

    async def current(self) -> dict[str, Grant]:
        return await self._snapshot.current()

    async def grant_for(self, key: str) -> Grant | None:
        digest = key_hash(key)
        grants = await self._snapshot.current()
        grant = grants.get(digest)
        if grant is None:
            grants = await self._snapshot.reload_if_older(MISS_RELOAD_SECONDS)
            grant = grants.get(digest)
        return grant

    async def aclose(self) -> None:
        await self._snapshot.aclose()

    async def _load(self) -> dict[str, Grant]:
        async with self._database.session() as session:
            rows = await repository.list_all(session)
            return {row.key_sha256: _grant(row.agent, row.deployment_id, row.models, row.aliases, row.fallbacks,
                                           row.limits) for row in rows}


def _grant(agent: str, deployment_id: str, models: Mapping[str, Mapping[str, str]], aliases: Mapping[str, str],
           fallbacks: Mapping[str, Mapping[str, str]], limits: Mapping[str, object]) -> Grant:
    return Grant(
        agent=agent, deployment_id=deployment_id,
        models={role: target for role, choice in models.items() if (target := _target(choice))},
        aliases=dict(aliases),
        fallbacks={role: target for role, choice in fallbacks.items() if (target := _target(choice))},
        requests_per_minute=_limit(limits.get("requests_per_minute")),
        tokens_per_day=_limit(limits.get("tokens_per_day")),
    )


def _target(choice: Mapping[str, str]) -> ModelTarget | None:
    provider, model = choice.get("provider"), choice.get("model")
    return ModelTarget(provider, model) if provider and model else None


def _limit(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
