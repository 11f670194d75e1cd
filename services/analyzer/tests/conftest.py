"""Fixtures of the analyzer's API tests: the service hosted alone on an in-process bus, and the
policy and gateway services it reads registered resources from, served over HTTP."""

import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from runagents_analyzer.component import create_component
from runagents_analyzer.settings import AnalyzerSettings
from runagents_common.bus import InMemoryBus
from runagents_common.events import Envelope
from runagents_common.service import ServiceComponent, ServiceHost, create_host_app
from runagents_common.testing import eventually, serve_app
from runagents_gateway.component import create_component as create_gateway
from runagents_gateway.settings import GatewaySettings
from runagents_policy.component import create_component as create_policy
from runagents_policy.settings import PolicySettings

PLATFORM_URL = "http://localhost:8000"
"""Where the hello-world sample reaches the echo tool, so the registered one matches it."""
FINISHED = ("succeeded", "failed")


@dataclass
class Analyzer:
    client: httpx.AsyncClient
    component: ServiceComponent
    events: list[Envelope] = field(default_factory=list)

    async def wait_finished(self, analysis_id: str, within: float = 30.0) -> dict[str, Any]:
        body: dict[str, Any] = {}

        async def finished() -> bool:
            nonlocal body
            response = await self.client.get(f"/api/v1/analyses/{analysis_id}")
            assert response.status_code == 200, response.text
            body = response.json()
            return body["status"] in FINISHED

        await eventually(finished, within=within, message=f"analysis {analysis_id} finishing")
        return body

    async def events_of(self, analysis_id: str, within: float = 10.0) -> list[Envelope]:
        """The analysis' events on the bus, once its completion has been published."""

        def mine() -> list[Envelope]:
            return [e for e in self.events if e.subject == analysis_id]

        await eventually(lambda: any(e.type == "analysis.completed.v1" for e in mine()), within=within,
                         message=f"analysis.completed.v1 published for {analysis_id}")
        return mine()


StartAnalyzer = Callable[..., AbstractAsyncContextManager[Analyzer]]


@pytest.fixture
def analyzer_settings(tmp_path: Path) -> Callable[..., AnalyzerSettings]:
    def make(**overrides: Any) -> AnalyzerSettings:
        values: dict[str, Any] = {"mode": "dev", "data_dir": tmp_path / "data", "outbox_poll_seconds": 0.05}
        return AnalyzerSettings(**(values | overrides))

    return make


@pytest.fixture
def start_analyzer(analyzer_settings: Callable[..., AnalyzerSettings]) -> StartAnalyzer:
    """``async with start_analyzer(**settings) as analyzer``: the service on a fresh in-process bus."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Analyzer]:
        bus = InMemoryBus()
        component = create_component(analyzer_settings(**overrides))
        events: list[Envelope] = []

        async def observe(envelope: Envelope) -> None:
            events.append(envelope)

        await bus.subscribe("observer", ["analysis.#"], observe)
        app = create_host_app(ServiceHost([component], bus, outbox_poll_seconds=0.05, migrate_on_start=True),
                              "analyzer under test")
        async with LifespanManager(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://analyzer.test"
        ) as client:
            yield Analyzer(client, component, events)

    return start


@pytest.fixture
async def analyzer(start_analyzer: StartAnalyzer, registry: str) -> AsyncIterator[Analyzer]:
    async with start_analyzer() as running:
        yield running


@pytest.fixture
async def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    """The real policy and gateway services, which the analyzer reads registered tools and model
    providers from: their starter kits register the echo tool and the playground provider."""
    settings: dict[str, Any] = {"mode": "dev", "data_dir": tmp_path / "registry", "platform_url": PLATFORM_URL}
    host = ServiceHost([create_policy(PolicySettings(**settings)), create_gateway(GatewaySettings(**settings))],
                       InMemoryBus(), migrate_on_start=True)
    async with serve_app(create_host_app(host, "policy and gateway")) as url:
        monkeypatch.setenv("RUNAGENTS_POLICY_URL", url)
        monkeypatch.setenv("RUNAGENTS_GATEWAY_URL", url)
        yield url


@pytest.fixture
def closed_port_url() -> str:
    """A local URL nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
