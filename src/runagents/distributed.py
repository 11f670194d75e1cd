"""Distributed mode: one process per service, Postgres + RabbitMQ."""

from pathlib import Path

import uvicorn

from runagents.components import SERVICES, component_factory
from runagents_common.bus.rabbitmq import RabbitMQBus
from runagents_common.service import ServiceHost, create_host_app
from runagents_common.settings import PlatformSettings, private_data_dir
from runagents_common.telemetry import setup_telemetry


def run_service(service: str, host: str, port: int) -> None:
    settings = PlatformSettings()
    private_data_dir(Path(settings.data_dir))
    setup_telemetry(f"runagents-{service}", log_level=settings.log_level, log_json=settings.log_json,
                    otlp_endpoint=settings.otlp_endpoint)
    component = component_factory(service)()
    bus = RabbitMQBus(settings.amqp_url.get_secret_value(), namespace=settings.bus_namespace,
                      max_deliveries=settings.bus_max_deliveries)
    app = create_host_app(ServiceHost([component], bus, outbox_poll_seconds=settings.outbox_poll_seconds),
                          f"RunAgents {service}")
    print(f"RunAgents {service} listening on {host}:{port}", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


async def migrate_services(services: list[str]) -> None:
    for service in services or SERVICES:
        component = component_factory(service)()
        try:
            await component.migrate()
        finally:
            await component.database.dispose()
        print(f"migrated {service}")
