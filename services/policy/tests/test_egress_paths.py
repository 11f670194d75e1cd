"""The egress layer matches a tool call on one path and sends the tool that same path: a path that could
resolve to another one on the way (dot segments, however spelt, encoded slashes, backslashes, double
slashes) is refused before matching, and the tool, a real server on loopback, receives nothing."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from runagents_common.events import new_envelope
from runagents_common.events.catalog import AgentDeployRequested, Service
from runagents_common.testing import ADMIN_HEADERS, eventually, raw_http_get, serve_app


@dataclass
class ToolServer:
    """A tool that records the raw target of every request it receives."""

    url: str = ""
    received: list[str] = field(default_factory=list)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.received.append(scope["raw_path"].decode("latin-1"))
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b'{"ok": true}'})


@pytest.fixture
async def wired_tool(policy) -> AsyncIterator[tuple[str, ToolServer]]:  # type: ignore[no-untyped-def]
    """Tool ``gh`` (base URL ``<tool>/api/github``, one capability) wired to agent ``bot``."""
    base_url, bus, _component = policy
    tool = ToolServer()
    async with serve_app(tool) as tool_url, httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=base_url) as client:
        tool.url = tool_url
        created = await client.post("/api/v1/tools", json={
            "name": "gh", "base_url": f"{tool_url}/api/github",
            "capabilities": [{"method": "GET", "path": "/repos/{owner}/{repo}/issues"}]})
        assert created.status_code == 201, created.text
        await bus.publish(new_envelope(AgentDeployRequested.event_type, Service.DEPLOYER.source, AgentDeployRequested(
            agent="bot", deployment_id="d1", analysis_id="a1", tools=["gh"])))

        async def wired() -> bool:
            return (await client.get("/egress/bot/gh/repos/octo/hello/issues")).status_code == 200

        await eventually(wired)
        tool.received.clear()
        yield base_url, tool


ATTACKS = {
    "encoded dots": "/repos/%2e%2e/%2e%2e/issues",
    "encoded dots, upper case": "/repos/%2E%2E/%2E%2E/issues",
    "half-encoded dots": "/repos/.%2e/%2e./issues",
    "plain dots": "/repos/../../issues",
    "single dots": "/repos/./octo/issues",
    "dot segment after the match": "/repos/octo/hello/issues/..",
    "encoded slash": "/repos/octo%2f..%2f../hello/issues",
    "encoded slash, upper case": "/repos/octo%2F..%2F..%2Fhello/issues",
    "encoded backslash": "/repos/..%5c..%5c/hello/issues",
    "backslash": "/repos/..\\..\\x/y/issues",
    "double slash": "//repos/octo/hello/issues",
    "double slash inside": "/repos//octo/issues",
    "dots encoded twice": "/repos/%252e%252e/%252e%252e/issues",
    "tab": "/repos/octo%09/hello/issues",
    "NUL": "/repos/octo%00/hello/issues",
}


async def test_a_path_that_could_escape_its_match_is_refused_and_the_tool_receives_nothing(
        wired_tool: tuple[str, ToolServer]) -> None:
    base_url, tool = wired_tool
    for attack, target in ATTACKS.items():
        status, body = await raw_http_get(base_url, "/egress/bot/gh" + target)

        assert status == 400, (attack, body)
        assert '"code":"TOOL_PATH_REFUSED"' in body and '"status":400' in body, attack
        assert tool.received == [], attack


async def test_the_tool_receives_exactly_the_path_that_was_matched(wired_tool: tuple[str, ToolServer]) -> None:
    base_url, tool = wired_tool
    for target, sent in [
        ("/repos/octo/hello/issues", "/api/github/repos/octo/hello/issues"),
        ("/repos/octo/hello/issues?state=open", "/api/github/repos/octo/hello/issues"),
        ("/repos/%6fcto/hello%20world/issues", "/api/github/repos/octo/hello%20world/issues"),
        ("/repos/octo/h%3Fx%23y/issues", "/api/github/repos/octo/h%3Fx%23y/issues"),
        ("/repos/octo/50%25/issues", "/api/github/repos/octo/50%25/issues"),
    ]:
        status, body = await raw_http_get(base_url, "/egress/bot/gh" + target)
        assert status == 200, (target, body)
        assert tool.received[-1] == sent, target
    status, body = await raw_http_get(base_url, "/egress/bot/gh/issues")
    assert status == 403 and "matches no capability" in body
    assert len(tool.received) == 5
