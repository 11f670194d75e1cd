"""The analyzer hosted as in production, alone on a fresh in-process bus: for its own tests
(services/analyzer/tests) and for the tests here that add the services it reads registered resources from."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from runagents_analyzer.component import create_component
from runagents_analyzer.settings import AnalyzerSettings
from runagents_common.bus import InMemoryBus
from runagents_common.events import Envelope
from runagents_common.service import ServiceComponent, ServiceHost, create_host_app
from runagents_common.testing import ADMIN_HEADERS, eventually

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


@asynccontextmanager
async def hosted_analyzer(settings: AnalyzerSettings) -> AsyncIterator[Analyzer]:
    """``async with hosted_analyzer(settings) as analyzer``: the service on a fresh in-process bus."""
    bus = InMemoryBus()
    component = create_component(settings)
    events: list[Envelope] = []

    async def observe(envelope: Envelope) -> None:
        events.append(envelope)

    await bus.subscribe("observer", ["analysis.#"], observe)
    app = create_host_app(ServiceHost([component], bus, outbox_poll_seconds=0.05, migrate_on_start=True),
                          "analyzer under test")
    async with LifespanManager(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://analyzer.test", headers=ADMIN_HEADERS
    ) as client:
        yield Analyzer(client, component, events)
