"""What a service contributes to a process, and the host that runs one or several of them.

A service is a :class:`ServiceComponent`: its routers, its database, its outbox, its event
handlers, its start-up hooks. ``runagents serve SERVICE`` hosts one; ``runagents dev`` hosts all
six in one process on one port, with the in-process bus.
"""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.api_docs import install_api_docs
from runagents_common.auth.access import Authentication, check_access_declared
from runagents_common.auth.authenticator import Authenticator, RemoteAuthenticator
from runagents_common.auth.bootstrap import BootstrapKeys, FirstOf
from runagents_common.bus.base import DEFAULT_MAX_BATCH, Bus
from runagents_common.db import migrations
from runagents_common.db.database import Database
from runagents_common.db.inbox import (
    ProcessedEventMixin,
    TransactionalBatchHandler,
    TransactionalHandler,
    idempotent_batch_handler,
    idempotent_handler,
)
from runagents_common.db.outbox import Outbox, OutboxRelay
from runagents_common.direct_routes import DirectRoutes
from runagents_common.errors import install_error_handlers, problem_response
from runagents_common.events.catalog import EventData, PoisonEvent
from runagents_common.events.envelope import Envelope
from runagents_common.settings import PlatformSettings
from runagents_common.telemetry import NO_FASTAPI_TELEMETRY, TracingMiddleware

log = logging.getLogger("runagents.service")

Hook = Callable[[], Awaitable[None]]


@dataclass
class ServiceComponent:
    """Everything one service brings to the process that hosts it."""

    name: str
    routers: Sequence[APIRouter]
    database: Database
    metadata: MetaData
    migrations_dir: Path
    outbox: Outbox
    processed_events: type[ProcessedEventMixin]
    handlers: Mapping[str, TransactionalHandler] = field(default_factory=dict)
    batch_handler: TransactionalBatchHandler | None = None
    """Handles the events of ``handlers``' types in batches, one unit of work per batch, instead of
    one unit of work per event (a service that ingests many small events)."""
    batch_size: int = DEFAULT_MAX_BATCH
    """The most events :attr:`batch_handler` gets at once."""
    on_startup: Sequence[Hook] = ()
    on_shutdown: Sequence[Hook] = ()
    context: Any = None
    """Service-specific state its endpoints and handlers reach (clients, backends, storage)."""
    authenticator: Authenticator | None = None
    """Who a credential belongs to, for the whole process (the policy service's, which keeps keys and sessions);
    a process without one asks the policy service over HTTP."""

    async def migrate(self) -> None:
        """Bring this service's tables to the newest revision."""
        await migrations.upgrade(self.database, self.migrations_dir, self.metadata)

    async def dispatch(self, session: AsyncSession, envelope: Envelope, data: EventData) -> None:
        """Route one event to the handler registered for its type."""
        handle = self.handlers.get(envelope.type)
        if handle is None:
            raise PoisonEvent(f"{self.name} has no handler for {envelope.type}")
        await handle(session, envelope, data)


class ServiceHost:
    """Starts and stops the components of one process around one bus."""

    def __init__(self, components: Sequence[ServiceComponent], bus: Bus, *, outbox_poll_seconds: float = 0.5,
                 migrate_on_start: bool = False) -> None:
        self.components = list(components)
        self.bus = bus
        self.migrate_on_start = migrate_on_start
        self.relays = [
            OutboxRelay(c.database, c.outbox, bus, poll_seconds=outbox_poll_seconds) for c in self.components
        ]

    async def start(self) -> None:
        """Migrate (if asked), connect the bus, start relays and consumers, then run the start-up hooks."""
        if self.migrate_on_start:
            for component in self.components:
                await component.migrate()
        await self.bus.start()
        for relay in self.relays:
            relay.start()
        for component in self.components:
            if component.handlers and component.batch_handler is not None:
                batch_handler = idempotent_batch_handler(
                    component.database, component.processed_events, component.name, component.batch_handler
                )
                await self.bus.subscribe_batch(component.name, list(component.handlers), batch_handler,
                                               max_batch=component.batch_size)
            elif component.handlers:
                handler = idempotent_handler(
                    component.database, component.processed_events, component.name, component.dispatch
                )
                await self.bus.subscribe(component.name, list(component.handlers), handler)
        for component in self.components:
            for hook in component.on_startup:
                await hook()
        log.info("started %s", ", ".join(c.name for c in self.components))

    async def stop(self) -> None:
        """Run the shutdown hooks, stop relays then consumers, close connections."""
        for component in reversed(self.components):
            for hook in component.on_shutdown:
                try:
                    await hook()
                except Exception:
                    log.exception("shutdown hook of %s failed", component.name)
        for relay in self.relays:  # before the bus: a batch in flight still publishes
            await relay.stop()
        await self.bus.close()
        for component in self.components:
            await component.database.dispose()

    async def readiness(self) -> dict[str, bool]:
        """Whether each database and the broker answer, and each consumer is subscribed right now
        (one whose task ended, or that waits for the broker to come back, is not)."""
        checks = {f"{c.name}.database": await c.database.ping() for c in self.components}
        checks["bus"] = await self.bus.is_healthy()
        consumers = self.bus.consumers_ready()
        for c in self.components:
            if c.handlers:
                checks[f"{c.name}.consumer"] = consumers.get(c.name, False)
        return checks


def create_host_app(host: ServiceHost, title: str, version: str = "0.1.0", *,
                    settings: PlatformSettings | None = None) -> FastAPI:
    """The FastAPI app of a process: every component's routers, who may call them, health, problem+json errors."""
    settings = settings or PlatformSettings()
    authentication, remote = _authentication(host.components, settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await host.start()
        try:
            yield
        finally:
            await host.stop()
            if remote is not None:
                await remote.aclose()

    # TracingMiddleware makes the one server span per request; FastAPI's own telemetry would add
    # two more spans (server and operation) to every request.
    app = FastAPI(title=title, version=version, lifespan=lifespan, telemetry=NO_FASTAPI_TELEMETRY, docs_url=None,
                  redoc_url=None)
    install_api_docs(app, title)
    app.state.components = {c.name: c for c in host.components}
    app.state.host = host
    app.state.authentication = authentication
    install_error_handlers(app)
    app.add_middleware(DirectRoutes)  # inside the tracing middleware: a direct route's request is traced too
    app.add_middleware(TracingMiddleware)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "services": [c.name for c in host.components]}

    @app.get("/readyz", tags=["health"], response_model=None)
    async def readyz() -> dict[str, Any] | JSONResponse:
        checks = await host.readiness()
        if all(checks.values()):
            return {"status": "ready", "checks": checks}
        failing = ", ".join(name for name, ok in checks.items() if not ok)
        return problem_response(503, "Not ready", f"not answering: {failing}", "not_ready", checks=checks)

    for component in host.components:
        for router in component.routers:
            check_access_declared(router.routes)
            app.include_router(router)
    return app


def _authentication(components: Sequence[ServiceComponent],
                    settings: PlatformSettings) -> tuple[Authentication, RemoteAuthenticator | None]:
    """How the process learns who calls: its bootstrap admin keys, then the policy service (in process when
    hosted here, else over HTTP with this process's own service key); nobody checks with authentication off."""
    if settings.auth_disabled:
        log.warning("AUTHENTICATION IS OFF (RUNAGENTS_AUTH_DISABLED): anyone who reaches this address is an admin "
                    "of the platform. Use this for local experiments only.")
        return Authentication(None), None
    bootstrap = BootstrapKeys(settings.bootstrap_admin_keys())
    local = next((c.authenticator for c in components if c.authenticator is not None), None)
    if local is not None:
        return Authentication(FirstOf([bootstrap, local])), None
    service = components[0].name if components else "policy"
    key = settings.service_key(service)
    assert key is not None  # authentication is on
    remote = RemoteAuthenticator(settings.service_url("policy"), key)
    return Authentication(FirstOf([bootstrap, remote])), remote


def component(request: Request, name: str) -> ServiceComponent:
    """The component named ``name`` in the process serving ``request``."""
    found: ServiceComponent = request.app.state.components[name]
    return found


def session_dependency(service: str) -> Callable[[Request], AsyncIterator[AsyncSession]]:
    """A FastAPI dependency yielding a unit of work on ``service``'s database; it commits when
    the endpoint returns and rolls back if it raised."""

    async def session(request: Request) -> AsyncIterator[AsyncSession]:
        async with component(request, service).database.session() as unit_of_work:
            yield unit_of_work

    return session


def unit_of_work(service: str) -> Any:
    """The request's unit of work on ``service``'s database, for ``Annotated[AsyncSession, unit_of_work(...)]``.

    It commits when the endpoint returns and BEFORE the response is sent, so a client that got 2xx
    can read what it wrote; it rolls back if the endpoint raised.
    """
    return Depends(session_dependency(service), scope="function")


def context_dependency(service: str) -> Callable[[Request], Any]:
    """A FastAPI dependency returning ``service``'s context object."""

    def context(request: Request) -> Any:
        return component(request, service).context

    return context


__all__ = [
    "ServiceComponent",
    "ServiceHost",
    "TransactionalHandler",
    "component",
    "context_dependency",
    "create_host_app",
    "session_dependency",
    "unit_of_work",
]
