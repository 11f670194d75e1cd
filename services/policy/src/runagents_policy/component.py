"""The policy service: tool and identity provider registries, access policy and the egress layer."""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.db import Database
from runagents_common.db.outbox import Outbox
from runagents_common.events import EventData
from runagents_common.events.envelope import Envelope
from runagents_common.service import ServiceComponent, TransactionalHandler
from runagents_policy.db import Base, OutboxMessage, ProcessedEvent
from runagents_policy.egress.endpoints import router as egress_router
from runagents_policy.grants.consumers import HANDLERS as GRANT_HANDLERS
from runagents_policy.identity_providers.consumers import HANDLERS as IDENTITY_PROVIDER_HANDLERS
from runagents_policy.identity_providers.endpoints import router as identity_providers_router
from runagents_policy.settings import PolicySettings
from runagents_policy.starter.echo import echo_tool
from runagents_policy.starter.echo import router as echo_router
from runagents_policy.tools import service as tools
from runagents_policy.tools.endpoints import router as tools_router

# Importing the models registers their tables on the metadata.
from runagents_policy.grants import models as _grants  # noqa: F401  isort: skip
from runagents_policy.identity_providers import models as _identity_providers  # noqa: F401  isort: skip
from runagents_policy.tools import models as _tools  # noqa: F401  isort: skip

SERVICE = "policy"


@dataclass
class PolicyContext:
    settings: PolicySettings
    http: httpx.AsyncClient


def create_component(settings: PolicySettings | None = None) -> ServiceComponent:
    settings = settings or PolicySettings()
    database = Database.for_service(settings, SERVICE)
    context = PolicyContext(settings, httpx.AsyncClient(timeout=settings.egress_timeout_seconds))

    async def seed_starter_kit() -> None:
        if settings.seed_starter_kit:
            async with database.session() as session:
                await tools.reconcile(session, echo_tool(settings.service_url("policy")))

    async def close_http() -> None:
        await context.http.aclose()

    return ServiceComponent(
        name=SERVICE,
        routers=[tools_router, identity_providers_router, egress_router, echo_router],
        database=database,
        metadata=Base.metadata,
        migrations_dir=Path(__file__).parent / "migrations",
        outbox=Outbox(OutboxMessage, source=f"/runagents/{SERVICE}"),
        processed_events=ProcessedEvent,
        handlers=_each(GRANT_HANDLERS, IDENTITY_PROVIDER_HANDLERS),
        on_startup=[seed_starter_kit],
        on_shutdown=[close_http],
        context=context,
    )


def _each(*handler_maps: Mapping[str, TransactionalHandler]) -> dict[str, TransactionalHandler]:
    """One handler per event type that runs every domain's handler of that type, in one unit of work."""
    by_type: dict[str, list[TransactionalHandler]] = {}
    for handlers in handler_maps:
        for event_type, handle in handlers.items():
            by_type.setdefault(event_type, []).append(handle)

    def chain(handles: list[TransactionalHandler]) -> TransactionalHandler:
        async def handle_all(session: AsyncSession, envelope: Envelope, data: EventData) -> None:
            for handle in handles:
                await handle(session, envelope, data)

        return handle_all

    return {event_type: chain(handles) for event_type, handles in by_type.items()}
