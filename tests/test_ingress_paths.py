"""`runagents ingress` sends a service the path as it was sent, and refuses a path with dot segments,
which resolved on the way would reach another path than the one routed (the egress layer's checks
depend on seeing what the agent sent)."""

from collections.abc import AsyncIterator
from typing import Any

import pytest

from runagents.ingress import create_ingress_app
from runagents_common.settings import PlatformSettings
from runagents_common.testing import raw_http_get, serve_app


@pytest.fixture
async def ingress(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[str, list[str]]]:
    """The ingress in front of a stand-in policy service that records the raw path of what it receives."""
    received: list[str] = []

    async def policy(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        received.append(scope["raw_path"].decode("latin-1"))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async with serve_app(policy) as policy_url:
        monkeypatch.setenv("RUNAGENTS_POLICY_URL", policy_url)
        async with serve_app(create_ingress_app(PlatformSettings(platform_url="http://127.0.0.1:9"))) as url:
            yield url, received


async def test_a_path_with_dot_segments_is_refused_and_reaches_no_service(ingress: tuple[str, list[str]]) -> None:
    url, received = ingress
    for target in ("/egress/bot/gh/repos/%2e%2e/%2e%2e/issues", "/egress/bot/gh/repos/%2E%2E/x/issues",
                   "/egress/bot/gh/../../victim/gh/x", "/egress/bot/gh/./x", "/egress/bot/gh/x/..",
                   "/egress/bot/gh/repos/octo%2f..%2fx/issues"):
        status, body = await raw_http_get(url, target)
        assert status == 400, (target, body)
        assert '"code":"dot_segment"' in body, target
    assert received == []


async def test_a_service_receives_the_path_as_it_was_sent(ingress: tuple[str, list[str]]) -> None:
    url, received = ingress
    sent = ["/egress/bot/gh/repos/octo%2fx/issues", "/egress/bot/gh/repos/a%20b/%252e%252e", "/egress/bot/gh/x"]
    for target in sent:
        status, body = await raw_http_get(url, target + "?q=1")
        assert status == 200, (target, body)
    assert received == sent
