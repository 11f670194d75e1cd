"""The deployer hosted as in production, in each run mode (dev: SQLite + in-process bus; distributed:
Postgres + RabbitMQ in a private namespace), fed real events over the bus."""

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import select, text

from runagents_common.bus import Bus, InMemoryBus
from runagents_common.bus.rabbitmq import RabbitMQBus
from runagents_common.db import utcnow
from runagents_common.events import new_envelope
from runagents_common.events.catalog import EventData, IdentityProviderRegistered, IdentityProviderRemoved
from runagents_common.service import ServiceComponent, ServiceHost, create_host_app
from runagents_common.testing import ADMIN_HEADERS, delete_namespace, eventually, serve_app
from runagents_deployer.agents.models import Agent
from runagents_deployer.component import create_component
from runagents_deployer.db import OutboxMessage
from runagents_deployer.identity_providers import repository as identity_providers
from runagents_deployer.settings import DeployerSettings
from tests.identity_provider import AUDIENCE

USER_CODE_ERROR = ("FileNotFoundError: [Errno 2] No such file or directory: '/srv/runagents/agents/a/data.csv' "
                   "(at agent.py, line 3)")

USER_CODE_UNAVAILABLE = "USER_ENTRY_POINT 'agent.py' failed to load: ImportError: cannot import name 'x' from 'json'"


async def _as_admin_on_the_api(request: httpx.Request) -> None:
    """The admin's key goes to the platform's API, not to an agent's invoke: that takes the agent's callers'
    credentials (a test of an authenticated agent sends its own Authorization)."""
    if not request.url.path.endswith(("/invoke", "/invoke/stream")):
        request.headers.update(ADMIN_HEADERS)


@dataclass
class AgentProcess:
    """Where a deployed agent answers, as the front door sees it: what it was sent, and the runtime's wire
    answer. (The real runtime is started in tests/e2e; it does not show the headers it received.)"""

    url: str
    received: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Deployer:
    client: httpx.AsyncClient
    bus: Bus
    component: ServiceComponent
    agent_process: AgentProcess

    async def publish(self, data: EventData, subject: str) -> None:
        await self.bus.publish(new_envelope(data.event_type, "/runagents/policy", data, subject=subject))

    async def register_provider(self, name: str, issuer: str, *, jwks_url: str | None = None,
                                jwks: dict[str, Any] | None = None, algorithms: list[str] | None = None,
                                user_claim: str = "sub", changed_at: datetime | None = None) -> None:
        """Announce a provider as the policy service does, and wait until the deployer holds that configuration."""
        event = IdentityProviderRegistered(
            name=name, issuer=issuer, audiences=[AUDIENCE, "other-audience"], jwks_url=jwks_url, jwks=jwks,
            algorithms=algorithms or ["RS256", "ES256"], user_claim=user_claim, changed_at=changed_at or utcnow(),
        )
        await self.publish(event, name)
        await self._holds_change(name, event.changed_at, f"the deployer holds identity provider {name}")

    async def remove_provider(self, name: str, changed_at: datetime | None = None) -> None:
        event = IdentityProviderRemoved(name=name, changed_at=changed_at or utcnow())
        await self.publish(event, name)
        await self._holds_change(name, event.changed_at, f"the deployer saw identity provider {name} removed")

    async def _holds_change(self, name: str, changed_at: datetime, message: str) -> None:
        """Wait until the deployer's copy of provider ``name`` (a removal's tombstone included) is the change
        made at ``changed_at``."""

        async def held() -> bool:
            async with self.component.database.session() as session:
                found = await identity_providers.get_any(session, name)
                return found is not None and found.changed_at == changed_at
        await eventually(held, message=message)

    async def running_agent(self, access: dict[str, Any]) -> str:
        """An agent whose deployment is Running at the agent process (the deployer's own state, as the
        launcher leaves it)."""
        name = f"agent-{uuid.uuid4().hex[:8]}"
        async with self.component.database.session() as session:
            session.add(Agent(name=name, status="Running", phase="running", progress=100, analysis_id="a1",
                              tools={}, models={}, access=access, tier="platform", deployment_id=uuid.uuid4().hex,
                              endpoint=self.agent_process.url))
        return name

    async def runs_started(self, agent: str) -> list[dict[str, Any]]:
        """The data of every run.started.v1 the deployer wrote for ``agent``."""
        async with self.component.database.session() as session:
            rows = (await session.scalars(select(OutboxMessage).where(
                OutboxMessage.event_type == "run.started.v1"))).all()
        started = [json.loads(row.envelope)["data"] for row in rows]
        return [data for data in started if data["agent"] == agent]


def agent_process_app(process: AgentProcess) -> FastAPI:
    app = FastAPI()

    @app.post("/invoke")
    async def invoke(request: Request) -> Any:
        process.received.append(dict(request.headers))
        body = await request.json()
        if body["message"] == "fail":  # the runtime's answer when the agent's code raised
            return JSONResponse({"type": "urn:runagents:problem:user-code-failed", "title": "Agent code raised",
                                 "status": 500, "detail": USER_CODE_ERROR}, status_code=500,
                                media_type="application/problem+json")
        return {"response": f"hello {body['message']}", "model": "m", "usage": {"total_tokens": 1},
                "tool_calls_made": [], "duration_ms": 1, "request_id": request.headers.get("x-request-id")}

    @app.post("/invoke/stream", response_model=None)
    async def invoke_stream(request: Request) -> StreamingResponse | JSONResponse:
        process.received.append(dict(request.headers))
        message = (await request.json())["message"]
        if message == "refuse":  # the runtime's answer when the agent's code did not load
            return JSONResponse({"type": "urn:runagents:problem:user-code-unavailable", "title": "Agent code "
                                 "unavailable", "status": 503, "detail": USER_CODE_UNAVAILABLE}, status_code=503,
                                media_type="application/problem+json")

        async def events() -> AsyncIterator[bytes]:
            yield b'data: {"type": "content", "delta": "hi"}\n\n'
            if message == "break":  # the runtime's in-band error, after the 200 was sent
                yield (b'data: {"type": "error", "status": 500, "title": "Agent code raised", "detail": '
                       b'"ValueError: no answer", "problem_type": "urn:runagents:problem:user-code-failed"}\n\n')
            else:
                yield b'data: {"type": "done", "model": "m", "usage": {}}\n\n'
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return app


@pytest.fixture(params=["dev", "distributed"])
async def deployer(request: pytest.FixtureRequest, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Deployer]:
    bus: Bus
    if request.param == "dev":
        monkeypatch.setenv("RUNAGENTS_MODE", "dev")
        bus = InMemoryBus()
    else:
        monkeypatch.setenv("RUNAGENTS_MODE", "distributed")
        monkeypatch.setenv("RUNAGENTS_DEPLOYER_SECRET_KEY", "deployer-test-secret-0123456789")
        monkeypatch.setenv("DATABASE_URL", request.getfixturevalue("postgres_url"))
        bus = RabbitMQBus(request.getfixturevalue("amqp_url"), namespace=request.getfixturevalue("bus_namespace"))
    monkeypatch.setenv("RUNAGENTS_DATA_DIR", str(tmp_path))
    settings = DeployerSettings(platform_url="http://127.0.0.1:9", jwks_cache_seconds=300,
                                jwks_refresh_cooldown_seconds=30, token_leeway_seconds=5)
    component = create_component(settings)
    if request.param == "distributed":
        async with component.database.engine.begin() as conn:
            await conn.execute(text('DROP SCHEMA IF EXISTS "deployer" CASCADE'))
    app = create_host_app(ServiceHost([component], bus, migrate_on_start=True), "deployer")
    process = AgentProcess("")
    async with serve_app(agent_process_app(process)) as process_url, serve_app(app) as base_url, \
            httpx.AsyncClient(base_url=base_url, timeout=30, event_hooks={"request": [_as_admin_on_the_api]}) as client:
        process.url = process_url
        yield Deployer(client, bus, component, process)
    if isinstance(bus, RabbitMQBus):
        await delete_namespace(request.getfixturevalue("amqp_url"), bus.namespace, ["deployer"])
