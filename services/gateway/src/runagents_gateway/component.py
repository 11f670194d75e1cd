"""The gateway service: model providers, and the OpenAI-compatible wire agents call models through."""

import logging
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from runagents_common.db import Database
from runagents_common.db.outbox import Outbox
from runagents_common.service import ServiceComponent
from runagents_gateway.agent_keys.consumers import handlers as agent_key_handlers
from runagents_gateway.agent_keys.grants import GrantTable
from runagents_gateway.agent_keys.limits import AgentLimits
from runagents_gateway.context import GatewayContext
from runagents_gateway.db import Base, OutboxMessage, ProcessedEvent
from runagents_gateway.llm.endpoints import router as llm_router
from runagents_gateway.llm.routes import RouteTable
from runagents_gateway.llm.service import LlmWire
from runagents_gateway.llm.upstream import Upstream
from runagents_gateway.llm.usage import UsageRecorder
from runagents_gateway.providers import service as providers
from runagents_gateway.providers.endpoints import router as providers_router
from runagents_gateway.providers.secrets import KeyCipher
from runagents_gateway.providers.starter import playground_provider
from runagents_gateway.settings import GatewaySettings

# Importing the models registers their tables on the metadata.
from runagents_gateway.providers import models as _providers  # noqa: F401  isort: skip
from runagents_gateway.agent_keys import models as _agent_keys  # noqa: F401  isort: skip

SERVICE = "gateway"
log = logging.getLogger("runagents.gateway")


def create_component(settings: GatewaySettings | None = None) -> ServiceComponent:
    settings = settings or GatewaySettings()
    database = Database.for_service(settings, SERVICE)
    cipher = KeyCipher(settings.secret_key())
    routes = RouteTable(database, cipher, settings)
    upstream = Upstream(settings.upstream_max_connections)
    grants = GrantTable(database, settings.route_cache_seconds)
    outbox = Outbox(OutboxMessage, source=f"/runagents/{SERVICE}")
    limits = AgentLimits()
    usage = UsageRecorder(database, outbox, limits)
    context = GatewayContext(settings, cipher, LlmWire(routes, upstream), grants, limits, usage)

    async def seed_starter_kit() -> None:
        if not settings.seed_starter_kit:
            return
        try:
            async with database.session() as session:
                await providers.ensure(session, cipher, playground_provider(), routes.invalidate)
        except IntegrityError:
            log.info("the playground provider was registered concurrently by another replica")

    async def start_usage() -> None:
        usage.start()

    async def load_tables() -> None:
        # so the first model call does not wait for the database
        await routes.current()
        await grants.current()

    async def close() -> None:
        await usage.aclose()
        await upstream.aclose()
        await routes.aclose()
        await grants.aclose()

    return ServiceComponent(
        name=SERVICE,
        routers=[providers_router, llm_router],
        database=database,
        metadata=Base.metadata,
        migrations_dir=Path(__file__).parent / "migrations",
        outbox=outbox,
        processed_events=ProcessedEvent,
        handlers=agent_key_handlers(grants.invalidate),
        on_startup=[seed_starter_kit, load_tables, start_usage],
        on_shutdown=[close],
        context=context,
    )
