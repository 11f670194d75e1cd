"""An invoked run, seen through the runs API: readable as soon as the invoke answers, even while the
runs service lags behind the bus; complete once the calls the agent's runtime counted have arrived.

The deployer and the runs service hosted together (dev: SQLite + in-process bus; distributed:
Postgres + RabbitMQ), in front of a stand-in agent process that answers as the runtime does.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from runagents_common.bus import Bus, InMemoryBus
from runagents_common.bus.base import DEFAULT_MAX_BATCH, BatchHandler, EventHandler
from runagents_common.bus.rabbitmq import RabbitMQBus
from runagents_common.events import new_envelope
from runagents_common.events.catalog import LlmCallCompleted
from runagents_common.events.envelope import Envelope
from runagents_common.run_wire import new_run_id
from runagents_common.service import ServiceHost, create_host_app
from runagents_common.testing import ADMIN_HEADERS, delete_namespace, eventually, fresh_database, serve_app
from runagents_deployer.agents.models import Agent
from runagents_deployer.component import create_component as create_deployer
from runagents_deployer.settings import DeployerSettings
from runagents_runs.component import create_component as create_runs
from runagents_runs.settings import RunsSettings

INGEST_LAG_SECONDS = 0.5
"""How far behind the bus the runs service is kept: more than a GET takes, less than it may wait."""


def lagging(bus_class: type[InMemoryBus] | type[RabbitMQBus]) -> Any:
    """The bus, with every delivery to the runs consumer held back by :data:`INGEST_LAG_SECONDS` (a busy runs
    service); other consumers get theirs at once."""

    class Lagging(bus_class):  # type: ignore[valid-type,misc]
        async def subscribe(self, consumer: str, patterns: Sequence[str], handler: EventHandler) -> None:
            async def late(envelope: Envelope) -> None:
                if consumer == "runs":
                    await asyncio.sleep(INGEST_LAG_SECONDS)
                await handler(envelope)

            await super().subscribe(consumer, patterns, late)

        async def subscribe_batch(self, consumer: str, patterns: Sequence[str], handler: BatchHandler,
                                  max_batch: int = DEFAULT_MAX_BATCH) -> None:
            async def late(envelopes: Sequence[Envelope]) -> None:
                if consumer == "runs":
                    await asyncio.sleep(INGEST_LAG_SECONDS)
                await handler(envelopes)

            await super().subscribe_batch(consumer, patterns, late, max_batch)

    return Lagging


def agent_process_app() -> FastAPI:
    """Answers an invoke as the runtime does after one model call and one tool call."""
    app = FastAPI()

    @app.post("/invoke")
    async def invoke(request: Request) -> dict[str, Any]:
        body = await request.json()
        return {"response": f"hello {body['message']}", "model": "m", "usage": {"total_tokens": 3},
                "tool_calls_made": [], "calls": {"llm": 1, "tool": 0, "other": 0}, "duration_ms": 1,
                "request_id": request.headers.get("x-request-id")}

    return app


@pytest.fixture(params=["dev", "distributed"])
async def platform(request: pytest.FixtureRequest, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[httpx.AsyncClient, Bus, Any]]:
    monkeypatch.setenv("RUNAGENTS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RUNAGENTS_RUNS_ANNOUNCED_WAIT_SECONDS", "10")
    bus: Bus
    with fresh_database() as database_url:
        if request.param == "dev":
            monkeypatch.setenv("RUNAGENTS_MODE", "dev")
            bus = lagging(InMemoryBus)()
        else:
            monkeypatch.setenv("RUNAGENTS_MODE", "distributed")
            monkeypatch.setenv("RUNAGENTS_DEPLOYER_SECRET_KEY", "deployer-test-secret-0123456789")
            monkeypatch.setenv("DATABASE_URL", database_url)
            bus = lagging(RabbitMQBus)(request.getfixturevalue("amqp_url"),
                                       namespace=request.getfixturevalue("bus_namespace"))
        deployer = create_deployer(DeployerSettings(platform_url="http://127.0.0.1:9"))
        runs = create_runs(RunsSettings())
        app = create_host_app(ServiceHost([deployer, runs], bus, migrate_on_start=True, outbox_poll_seconds=0.05),
                              "deployer and runs")
        async with serve_app(agent_process_app()) as agent_url, serve_app(app) as base_url, \
                httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=base_url, timeout=30) as client:
            name = f"agent-{uuid.uuid4().hex[:8]}"
            async with deployer.database.session() as session:
                session.add(Agent(name=name, status="Running", phase="running", progress=100, analysis_id="a1",
                                  tools={}, models={}, access={"mode": "open", "identity_provider": None},
                                  tier="platform", deployment_id=uuid.uuid4().hex, endpoint=agent_url))
            yield client, bus, name
        if isinstance(bus, RabbitMQBus):
            await delete_namespace(request.getfixturevalue("amqp_url"), bus.namespace, ["deployer", "runs"])


async def test_a_run_is_readable_right_after_its_invoke_answered_and_complete_once_its_call_arrived(
    platform: tuple[httpx.AsyncClient, Bus, str]
) -> None:
    client, bus, agent = platform

    answer = await client.post(f"/api/v1/agents/{agent}/invoke", json={"message": "you"})
    assert answer.status_code == 200, answer.text
    run_id = answer.json()["run_id"]
    read = await client.get(f"/api/v1/runs/{run_id}")

    assert read.status_code == 200, read.text
    assert read.json()["id"] == run_id and read.json()["agent"] == agent
    assert read.json()["complete"] is False

    async def ended() -> bool:
        run = (await client.get(f"/api/v1/runs/{run_id}")).json()
        return run["status"] == "succeeded"

    await eventually(ended, message="the run's end ingested")
    assert (await client.get(f"/api/v1/runs/{run_id}")).json()["complete"] is False, "its model call is not in"

    call = LlmCallCompleted(run_id=run_id, trace_id=None, agent=agent, provider="p", model="m", status=200,
                            prompt_tokens=2, completion_tokens=1, latency_ms=1.0, at=read.json()["started_at"], seq=1)
    await bus.publish(new_envelope(call.event_type, "/runagents/gateway", call))

    async def complete() -> bool:
        return bool((await client.get(f"/api/v1/runs/{run_id}")).json()["complete"])

    await eventually(complete, message="the run complete")
    run = (await client.get(f"/api/v1/runs/{run_id}")).json()
    assert [e["type"] for e in run["events"]] == ["run.started", "llm.call", "run.completed"]
    assert run["events"][-1]["data"]["calls"] == {"llm": 1, "tool": 0, "other": 0}


async def test_an_id_that_names_no_run_just_announced_is_404(platform: tuple[httpx.AsyncClient, Bus, str]) -> None:
    client, _, _ = platform
    minted_a_minute_ago = new_run_id(now_ms=int(time.time() * 1000) - 60_000)

    for unknown in (uuid.uuid4().hex, "no-such-run", minted_a_minute_ago):
        answer = await client.get(f"/api/v1/runs/{unknown}")
        assert answer.status_code == 404, unknown
        assert answer.headers["content-type"] == "application/problem+json"
