"""Distributed mode: one process per service, Postgres + RabbitMQ."""

import socket
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url

from runagents.components import SERVICES, create_components
from runagents.listening import serve
from runagents_common.bus.rabbitmq import RabbitMQBus
from runagents_common.service import ServiceComponent, ServiceHost, create_host_app
from runagents_common.settings import MissingSetting, PlatformSettings, RunMode, private_data_dir
from runagents_common.telemetry import setup_telemetry


def run_service(service: str, sock: socket.socket) -> None:
    """Serve one service on ``sock``, on Postgres and RabbitMQ."""
    host, port = sock.getsockname()[:2]
    settings = PlatformSettings()
    private_data_dir(Path(settings.data_dir))
    setup_telemetry(f"runagents-{service}", log_level=settings.log_level, log_json=settings.log_json,
                    otlp_endpoint=settings.otlp_endpoint)
    component = _component(service, "serve")
    bus = RabbitMQBus(settings.service_amqp_url(service), namespace=settings.bus_namespace,
                      max_deliveries=settings.bus_max_deliveries)
    try:
        app = create_host_app(ServiceHost([component], bus, outbox_poll_seconds=settings.outbox_poll_seconds),
                              f"RunAgents {service}")
    except MissingSetting as exc:  # e.g. its service key, with which it asks the policy service who calls
        raise SystemExit(f"runagents serve {service}: {exc}") from None
    print(f"RunAgents {service} listening on {host}:{port}", flush=True)
    serve(app, sock)


async def migrate_services(services: list[str]) -> None:
    """Create the Postgres database if it is missing (distributed mode), then migrate each service."""
    settings = PlatformSettings()
    if settings.mode is RunMode.DISTRIBUTED and await ensure_database(settings.database_url.get_secret_value()):
        print(f"created database {make_url(settings.database_url.get_secret_value()).database}")
    for service in services or SERVICES:
        # Migrating needs the database alone, not the credentials the service calls the others with.
        component = _component(service, "migrate", {"RUNAGENTS_AUTH_DISABLED": "true"})
        try:
            await component.migrate()
        finally:
            await component.database.dispose()
        print(f"migrated {service}")


def _component(service: str, command: str, environment: Mapping[str, str] | None = None) -> ServiceComponent:
    """The service's component (its settings read with ``environment`` on top of this process's); a setting it
    lacks ends the command with one line naming it."""
    try:
        return create_components([service], environment or {})[0]
    except MissingSetting as exc:
        raise SystemExit(f"runagents {command} {service}: {exc}") from None


async def ensure_database(url: str) -> bool:
    """Create the database ``url`` names on its Postgres server when it does not exist; True if it was created.

    Done through the server's maintenance database ``postgres`` (the URL's user needs CREATEDB to create it).
    """
    import asyncpg

    target = make_url(url)
    if not target.drivername.startswith("postgresql") or not target.database:
        return False
    maintenance = target.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    try:
        connection = await asyncpg.connect(maintenance)
    except (OSError, asyncpg.PostgresError) as exc:
        raise SystemExit(f"runagents migrate: cannot reach Postgres at {target.host}:{target.port or 5432} "
                         f"({type(exc).__name__}: {exc})") from None
    try:
        if await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", target.database):
            return False
        quoted = '"' + target.database.replace('"', '""') + '"'
        try:
            await connection.execute(f"CREATE DATABASE {quoted}")
        except asyncpg.DuplicateDatabaseError:  # created meanwhile by another migrate
            return False
        return True
    finally:
        await connection.close()
