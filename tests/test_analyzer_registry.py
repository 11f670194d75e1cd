"""The analyzer with the services it reads registered resources from (policy: tools; gateway: model
providers), each served over HTTP as in production: the hello-world sample comes out pre-wired to the
starter kit on a platform at any address, and an analysis still succeeds when one of them is down.
(Moved from services/analyzer/tests, whose tests start the analyzer alone.)"""

import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

from runagents_analyzer.settings import AnalyzerSettings
from runagents_common.bus import InMemoryBus
from runagents_common.service import ServiceHost, create_host_app
from runagents_common.testing import serve_app
from runagents_gateway.component import create_component as create_gateway
from runagents_gateway.settings import GatewaySettings
from runagents_policy.component import create_component as create_policy
from runagents_policy.settings import PolicySettings
from tests.analyzer_host import Analyzer, hosted_analyzer

PHASES = ["parsing", "detection", "scanning", "enrichment"]
StartAnalyzer = Callable[..., AbstractAsyncContextManager[Analyzer]]


def free_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def platform_url() -> str:
    """The platform's address as its settings name it: not port 8000 (nothing needs to listen there)."""
    url = free_port_url()
    assert not url.endswith(":8000")
    return url


@pytest.fixture
async def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, platform_url: str) -> AsyncIterator[str]:
    """The real policy and gateway services: their starter kits register the echo tool (at
    ``<platform_url>/starter/echo``) and the playground provider."""
    settings: dict[str, Any] = {"mode": "dev", "data_dir": tmp_path / "registry", "platform_url": platform_url}
    host = ServiceHost([create_policy(PolicySettings(**settings)), create_gateway(GatewaySettings(**settings))],
                       InMemoryBus(), migrate_on_start=True)
    async with serve_app(create_host_app(host, "policy and gateway")) as url:
        monkeypatch.setenv("RUNAGENTS_POLICY_URL", url)
        monkeypatch.setenv("RUNAGENTS_GATEWAY_URL", url)
        yield url


@pytest.fixture
def start_analyzer(tmp_path: Path, platform_url: str) -> StartAnalyzer:
    def start(**overrides: Any) -> AbstractAsyncContextManager[Analyzer]:
        values: dict[str, Any] = {"mode": "dev", "data_dir": tmp_path / "data", "outbox_poll_seconds": 0.05,
                                  "platform_url": platform_url}
        return hosted_analyzer(AnalyzerSettings(**(values | overrides)))

    return start


@pytest.fixture(params=["sqlite", "postgres"])
async def any_database_analyzer(request: pytest.FixtureRequest, start_analyzer: StartAnalyzer,
                                registry: str) -> AsyncIterator[Analyzer]:
    overrides: dict[str, Any] = {}
    if request.param == "postgres":
        overrides = {"mode": "distributed", "database_url": request.getfixturevalue("postgres_url")}
    async with start_analyzer(**overrides) as running:
        yield running


async def test_the_sample_is_analyzed_through_every_phase_and_prewired(any_database_analyzer: Analyzer,
                                                                        platform_url: str) -> None:
    analyzer = any_database_analyzer

    response = await analyzer.client.post("/api/v1/analyses", json={"sample": "hello-world"})

    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["status"] == "queued"
    assert accepted["phase"] is None
    assert accepted["progress"] == 0
    assert len(accepted["source_digest"]) == 64
    assert accepted["created_at"]

    done = await analyzer.wait_finished(accepted["id"])
    assert done["status"] == "succeeded", done
    assert done["progress"] == 100
    assert done["error"] is None
    assert done["files"] == 2
    report = done["report"]
    assert report["analyzer_version"]
    assert [(t["base_url"], t["suggested"]) for t in report["tools"]] == [(f"{platform_url}/starter/echo", "echo")]
    assert {u["role"]: u["suggested"] for u in report["llm_usage"]} == {
        "chat": {"provider": "playground", "model": "playground-mini"}
    }
    assert report["entry_point"]["file"] == "agent.py"

    events = await analyzer.events_of(accepted["id"])
    assert [e.type for e in events] == [
        "analysis.requested.v1", *["analysis.progressed.v1"] * 4, "analysis.completed.v1"
    ]
    progressed = [e.data for e in events if e.type == "analysis.progressed.v1"]
    assert [p["phase"] for p in progressed] == PHASES
    assert [p["progress"] for p in progressed] == sorted(p["progress"] for p in progressed)
    assert events[-1].data == {"analysis_id": accepted["id"], "status": "succeeded", "error": None}


async def test_the_analysis_succeeds_without_suggestions_when_the_policy_service_is_down(
    start_analyzer: StartAnalyzer, registry: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNAGENTS_POLICY_URL", free_port_url())

    async with start_analyzer() as analyzer:
        accepted = (await analyzer.client.post("/api/v1/analyses", json={"sample": "hello-world"})).json()
        done = await analyzer.wait_finished(accepted["id"])

    assert done["status"] == "succeeded", done
    report = done["report"]
    assert report["tools"] and all(t["suggested"] is None for t in report["tools"])
    assert any("policy" in e["message"] for e in report["errors"])
    assert all(u["suggested"] is not None for u in report["llm_usage"])
