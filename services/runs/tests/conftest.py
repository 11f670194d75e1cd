"""The runs service hosted as in production, fed real envelopes over a real bus.

``platform`` runs every test twice: dev mode (tmp SQLite + InMemoryBus) and distributed mode
(Postgres + RabbitMQ in a private namespace).
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from runagents_common.bus.memory import InMemoryBus
from runagents_common.bus.rabbitmq import RabbitMQBus
from runagents_common.service import ServiceHost, create_host_app
from runagents_common.settings import RunMode
from runagents_common.testing import ADMIN_HEADERS, DeadLetters
from runagents_runs.component import create_component
from runagents_runs.settings import RunsSettings
from runagents_runs.testing import RunsPlatform

DeadLettered = Callable[[], Awaitable[list[bytes]]]


async def _serve(settings: RunsSettings, bus: InMemoryBus | RabbitMQBus,
                 dead_lettered: DeadLettered) -> AsyncIterator[RunsPlatform]:
    host = ServiceHost([create_component(settings)], bus, migrate_on_start=True)
    app = create_host_app(host, title="runs under test")
    async with (
        LifespanManager(app, startup_timeout=60),
        httpx.AsyncClient(headers=ADMIN_HEADERS, transport=httpx.ASGITransport(app=app),
                          base_url="http://runs.test") as client,
    ):
        yield RunsPlatform(bus, client, dead_lettered)


@pytest.fixture
async def dev_platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[RunsPlatform]:
    monkeypatch.setenv("RUNAGENTS_MODE", "dev")
    monkeypatch.setenv("RUNAGENTS_DATA_DIR", str(tmp_path))
    settings = RunsSettings()
    assert settings.mode is RunMode.DEV
    bus = InMemoryBus(max_deliveries=3, retry_delay=0.01)

    async def dead_lettered() -> list[bytes]:
        return [letter.body for letter in bus.dead_letters if letter.consumer == "runs"]

    async for platform in _serve(settings, bus, dead_lettered):
        yield platform


@pytest.fixture
async def distributed_platform(tmp_path: Path, postgres_url: str, amqp_url: str, bus_namespace: str,
                               cleanup_namespace: list[str]) -> AsyncIterator[RunsPlatform]:
    cleanup_namespace.append("runs")
    settings = RunsSettings(mode=RunMode.DISTRIBUTED, database_url=postgres_url, amqp_url=amqp_url,
                            data_dir=tmp_path)
    bus = RabbitMQBus(amqp_url, namespace=bus_namespace, max_deliveries=3, retry_delay=0.01)
    dead_letters = DeadLetters(bus, amqp_url)

    async for platform in _serve(settings, bus, partial(dead_letters.of, "runs")):
        yield platform


@pytest.fixture(params=["sqlite+memory", "postgres+rabbitmq"])
def platform(request: pytest.FixtureRequest) -> RunsPlatform:
    name = "dev_platform" if request.param == "sqlite+memory" else "distributed_platform"
    found: RunsPlatform = request.getfixturevalue(name)
    return found
