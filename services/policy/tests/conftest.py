"""The policy service hosted as in production, in each run mode (dev: SQLite + in-process bus;
distributed: Postgres + RabbitMQ in a private namespace)."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from runagents_common.bus import Bus, InMemoryBus
from runagents_common.bus.rabbitmq import RabbitMQBus
from runagents_common.service import ServiceComponent, ServiceHost, create_host_app
from runagents_common.testing import ADMIN_HEADERS, delete_namespace, serve_app
from runagents_policy.component import create_component
from runagents_policy.settings import PolicySettings

OBSERVER = "observer"
"""A consumer tests subscribe to see what the policy service publishes (its queue is deleted afterwards)."""


@pytest.fixture(params=["dev", "distributed"])
async def policy(request: pytest.FixtureRequest, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[str, Bus, ServiceComponent]]:
    bus: Bus
    if request.param == "dev":
        settings_env = {"RUNAGENTS_MODE": "dev", "RUNAGENTS_DATA_DIR": str(tmp_path)}
        bus = InMemoryBus()
    else:
        postgres_url = request.getfixturevalue("postgres_url")
        namespace = request.getfixturevalue("bus_namespace")
        settings_env = {"RUNAGENTS_MODE": "distributed", "DATABASE_URL": postgres_url}
        bus = RabbitMQBus(request.getfixturevalue("amqp_url"), namespace=namespace)
    for key, value in settings_env.items():
        monkeypatch.setenv(key, value)
    component = create_component(PolicySettings(platform_url="http://127.0.0.1:9"))
    if request.param == "distributed":
        await _drop_schema(component)
    app = create_host_app(ServiceHost([component], bus, migrate_on_start=True), "policy")
    async with serve_app(app) as base_url:
        async with httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=base_url) as client:
            echo = (await client.get("/api/v1/tools/echo")).json()
            echo["base_url"] = f"{base_url}/starter/echo"
            put = await client.put("/api/v1/tools/echo", json={k: echo[k] for k in ("base_url", "description",
                                                                                    "capabilities")})
            assert put.status_code == 200, put.text
        yield base_url, bus, component
    if isinstance(bus, RabbitMQBus):
        await delete_namespace(request.getfixturevalue("amqp_url"), bus.namespace, ["policy", OBSERVER])


async def _drop_schema(component: ServiceComponent) -> None:
    from sqlalchemy import text

    async with component.database.engine.begin() as conn:
        await conn.execute(text('DROP SCHEMA IF EXISTS "policy" CASCADE'))
