"""Distributed mode: one process per service, Postgres + RabbitMQ."""

import socket

from runagents.components import SERVICES, component_factory
from runagents.listening import serve
from runagents_common.bus.rabbitmq import RabbitMQBus
from runagents_common.service import ServiceHost, create_host_app
from runagents_common.settings import PlatformSettings
from runagents_common.telemetry import setup_telemetry


def run_service(service: str, sock: socket.socket) -> None:
    """Serve one service on ``sock``, on Postgres and RabbitMQ."""
    host, port = sock.getsockname()[:2]
    settings = PlatformSettings()
    setup_telemetry(f"runagents-{service}", log_level=settings.log_level, log_json=settings.log_json,
                    otlp_endpoint=settings.otlp_endpoint)
    component = component_factory(service)()
    bus = RabbitMQBus(settings.amqp_url.get_secret_value(), namespace=settings.bus_namespace,
                      max_deliveries=settings.bus_max_deliveries)
    app = create_host_app(ServiceHost([component], bus, outbox_poll_seconds=settings.outbox_poll_seconds),
                          f"RunAgents {service}")
    print(f"RunAgents {service} listening on {host}:{port}", flush=True)
    serve(app, sock)


async def migrate_services(services: list[str]) -> None:
    for service in services or SERVICES:
        component = component_factory(service)()
        try:
            await component.migrate()
        finally:
            await component.database.dispose()
        print(f"migrated {service}")
