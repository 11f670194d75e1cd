"""ServiceHost and create_host_app: health, readiness, routers, relays and consumers wired together."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import APIRouter, Depends
from sqlalchemy import String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from yarl import URL

from runagents_common.bus.memory import InMemoryBus
from runagents_common.bus.rabbitmq import RabbitMQBus
from runagents_common.db import create_metadata
from runagents_common.db.database import Database
from runagents_common.db.inbox import TransactionalHandler
from runagents_common.db.messaging import messaging_tables
from runagents_common.db.outbox import Outbox
from runagents_common.errors import PROBLEM_JSON
from runagents_common.events.catalog import AgentDeleted, EventData, Service
from runagents_common.events.envelope import Envelope
from runagents_common.service import (
    ServiceComponent,
    ServiceHost,
    context_dependency,
    create_host_app,
    session_dependency,
)
from runagents_common.testing import TcpProxy

Eventually = Callable[..., Awaitable[None]]
Hook = Callable[[], Awaitable[None]]


class Base(DeclarativeBase):
    metadata = create_metadata()


class Agent(Base):
    __tablename__ = "agents"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)


OutboxMessage, ProcessedEvent = messaging_tables(Base)


@dataclass
class Context:
    deleted: list[str]


def producer_router() -> APIRouter:
    router = APIRouter()

    @router.delete("/agents/{name}", status_code=204)
    async def delete_agent(
        name: str, session: Annotated[AsyncSession, Depends(session_dependency("producer"))]
    ) -> None:
        session.add(Agent(name=name))
        Outbox(OutboxMessage, Service.DEPLOYER.source).add(session, AgentDeleted(agent=name), subject=name)

    return router


def component(
    name: str,
    tmp_path: Path,
    *,
    routers: Sequence[APIRouter] = (),
    handlers: Mapping[str, TransactionalHandler] | None = None,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    context: object = None,
    database: Database | None = None,
) -> ServiceComponent:
    return ServiceComponent(
        name=name,
        routers=routers,
        database=database or Database(f"sqlite+aiosqlite:///{tmp_path / name}.db"),
        metadata=Base.metadata,
        migrations_dir=tmp_path / "unused-migrations",
        outbox=Outbox(OutboxMessage, f"/runagents/{name}"),
        processed_events=ProcessedEvent,
        handlers=handlers or {},
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        context=context,
    )


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[ServiceHost]:
    context = Context(deleted=[])

    async def on_agent_deleted(session: AsyncSession, envelope: Envelope, data: EventData) -> None:
        assert isinstance(data, AgentDeleted)
        context.deleted.append(data.agent)

    producer = component("producer", tmp_path, routers=[producer_router()])
    consumer = component("consumer", tmp_path, handlers={"agent.deleted.v1": on_agent_deleted}, context=context)
    for c in (producer, consumer):
        async with c.database.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
    yield ServiceHost([producer, consumer], InMemoryBus(), outbox_poll_seconds=60)


@pytest.fixture
async def client(host: ServiceHost) -> AsyncIterator[httpx.AsyncClient]:
    app = create_host_app(host, "test")

    @app.get("/context")
    async def read_context(ctx: Annotated[Context, Depends(context_dependency("consumer"))]) -> list[str]:
        return ctx.deleted

    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "services": ["producer", "consumer"]}


async def test_readyz_with_healthy_database_and_started_bus(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"producer.database": True, "consumer.database": True, "bus": True, "consumer.consumer": True},
    }


async def test_readyz_is_503_problem_json_when_the_bus_is_closed(
    client: httpx.AsyncClient, host: ServiceHost
) -> None:
    await host.bus.close()
    response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert (body["status"], body["code"]) == (503, "not_ready")
    assert body["checks"] == {
        "producer.database": True, "consumer.database": True, "bus": False, "consumer.consumer": False
    }
    assert "bus" in body["detail"]


async def test_readyz_is_503_when_a_database_does_not_answer(tmp_path: Path) -> None:
    # Nothing listens on port 1: the connection is refused at once.
    broken = component("broken", tmp_path, database=Database("postgresql+asyncpg://postgres@127.0.0.1:1/none"))
    host = ServiceHost([broken], InMemoryBus())
    app = create_host_app(host, "test")
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"broken.database": False, "bus": True}


async def test_request_event_relay_and_consumer_are_wired_by_the_host(
    client: httpx.AsyncClient, host: ServiceHost, wait_until: Eventually
) -> None:
    assert (await client.delete("/agents/alpha")).status_code == 204

    producer, consumer = host.components

    async def consumed() -> bool:
        # The handler's in-memory effect comes before its unit of work commits: wait for the record.
        async with consumer.database.session() as session:
            return await session.scalar(select(func.count()).select_from(ProcessedEvent)) == 1

    await wait_until(consumed, message="consumer handled the event")
    assert isinstance(host.bus, InMemoryBus)
    await host.bus.drain()
    assert (await client.get("/context")).json() == ["alpha"]
    async with producer.database.session() as session:
        assert await session.scalar(select(func.count()).select_from(Agent)) == 1
    async with consumer.database.session() as session:
        record = (await session.scalars(select(ProcessedEvent))).one()
    assert (record.consumer, record.event_type) == ("consumer", "agent.deleted.v1")


async def test_host_stops_cleanly_even_if_a_shutdown_hook_fails(tmp_path: Path) -> None:
    calls: list[str] = []

    async def failing() -> None:
        calls.append("failing")
        raise RuntimeError("hook failed")

    async def fine() -> None:
        calls.append("fine")

    async def started() -> None:
        calls.append("started")

    first = component("first", tmp_path, on_startup=[started], on_shutdown=[fine])
    second = component("second", tmp_path, on_shutdown=[failing])
    bus = InMemoryBus()
    host = ServiceHost([first, second], bus)
    await host.start()
    assert await bus.is_healthy()
    await host.stop()

    assert calls == ["started", "failing", "fine"]
    assert not await bus.is_healthy()


async def test_readyz_is_503_when_a_consumer_task_ended(client: httpx.AsyncClient, host: ServiceHost) -> None:
    """A consumer task that died once left /readyz saying ready while no event was handled."""
    assert isinstance(host.bus, InMemoryBus)
    assert (await client.get("/readyz")).status_code == 200
    worker = next(sub.worker for sub in host.bus._subscriptions if sub.consumer == "consumer")
    assert worker is not None
    worker.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await worker

    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["consumer.consumer"] is False
    assert "consumer.consumer" in response.json()["detail"]


async def test_readyz_follows_the_broker_connection_and_the_consumer_subscription(
    tmp_path: Path, amqp_url: str, bus_namespace: str, cleanup_namespace: list[str], wait_until: Eventually
) -> None:
    """/readyz once said the bus was fine while the broker was down."""
    url = URL(amqp_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5672)
    await proxy.start()

    async def on_agent_deleted(session: AsyncSession, envelope: Envelope, data: EventData) -> None:
        pass

    listener = component("listener", tmp_path, handlers={"agent.deleted.v1": on_agent_deleted})
    cleanup_namespace.append("listener")
    async with listener.database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    bus = RabbitMQBus(str(url.with_port(proxy.port)), namespace=bus_namespace, reconnect_delay=0.05)
    app = create_host_app(ServiceHost([listener], bus), "test")
    try:
        async with LifespanManager(app) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:

                async def ready() -> bool:
                    return (await client.get("/readyz")).status_code == 200

                await wait_until(ready, message="ready once subscribed")
                await proxy.cut()

                async def broker_down() -> bool:
                    response = await client.get("/readyz")
                    checks = response.json()["checks"]
                    return response.status_code == 503 and not checks["bus"] and not checks["listener.consumer"]

                await wait_until(broker_down, message="the broker and the consumer reported down")
                await proxy.restore()
                await wait_until(ready, within=30, message="ready again once the broker is back")
    finally:
        await proxy.close()
