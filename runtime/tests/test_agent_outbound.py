"""Calls the agent's own code makes, with any of the common HTTP clients, carry the run's identity.

The clients run in the agent's process, patched there with standard-library means when imported;
a plain HTTP server of this test records what arrives.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from runagents_runtime.agent_side.child import outbound
from runagents_runtime.app import create_app
from runagents_runtime.config import load_config
from runagents_runtime.propagation import AGENT_HEADER, REQUEST_ID_HEADER, RUN_ID_HEADER, RUN_SEQ_HEADER
from runtime.tests.header_recorder import HeaderRecorder

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
INBOUND = {"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01", "X-RunAgents-Run-Id": "run-7", "baggage": "k=v",
           "tracestate": "vendor=1", "X-Request-Id": "req-1"}
EVERY_CLIENT_AGENT = '''
import asyncio, json, os, threading, urllib.request
import aiohttp, httpx, httpx2, requests

URL = os.environ["RECORDER_URL"]
with urllib.request.urlopen(URL + "?at=import", timeout=5) as answer:  # outside any run
    answer.read()

def calls(url):
    with urllib.request.urlopen(url + "?client=urllib", timeout=5) as answer:
        answer.read()
    requests.get(url + "?client=requests", timeout=5)
    httpx.get(url + "?client=httpx")
    httpx2.get(url + "?client=httpx2")
    # A header the agent set itself is left as it is.
    requests.get(url + "?client=own-header", headers={"X-Request-Id": "the-agents-own"}, timeout=5)

async def async_calls(url):
    async with httpx.AsyncClient() as client:
        await client.get(url + "?client=httpx-async")
    async with aiohttp.ClientSession() as session, session.get(url + "?client=aiohttp") as answer:
        await answer.read()

def bare_thread(url):
    # A thread started without the context: attributed to the run when it is the only one in flight.
    thread = threading.Thread(target=requests.get, args=(url + "?client=bare-thread",), kwargs={"timeout": 5})
    thread.start()
    thread.join()

async def handler(request):
    await asyncio.to_thread(calls, URL)
    await async_calls(URL)
    await asyncio.to_thread(bare_thread, URL)
    return "called"
'''


async def test_every_client_of_the_agent_carries_the_run_numbered_but_never_the_token(
        base_env, agent_dir: Path, recorder: HeaderRecorder) -> None:
    (agent_dir / "every_client.py").write_text(EVERY_CLIENT_AGENT)
    config = load_config({**base_env, "USER_ENTRY_POINT": "every_client.py"})
    app = create_app(config, cwd=agent_dir, environ={**os.environ, "RECORDER_URL": recorder.url})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runtime.test") as client,
    ):
        response = await client.post("/invoke", json={"message": "go"}, headers=INBOUND)

    assert response.status_code == 200, response.text
    seen = recorder.seen
    assert "traceparent" not in seen.pop("import") and len(seen) == 8, seen
    numbers, span_ids = [], set()
    for client_name, headers in seen.items():
        version, trace_id, span_id, flags = headers["traceparent"].split("-")
        assert (version, trace_id, flags) == ("00", TRACE_ID, "01"), client_name
        span_ids.add(span_id)
        numbers.append(int(headers[RUN_SEQ_HEADER.lower()]))
        assert headers[RUN_ID_HEADER.lower()] == "run-7", client_name
        assert headers[AGENT_HEADER.lower()] == "test-agent", client_name
        assert (headers["baggage"], headers["tracestate"]) == ("k=v", "vendor=1"), client_name
        assert "authorization" not in headers, client_name
        assert headers[REQUEST_ID_HEADER.lower()] == ("the-agents-own" if client_name == "own-header" else "req-1")
    assert len(span_ids) == 8
    assert sorted(numbers) == list(range(1, 9))
    assert response.json()["calls"] == {"llm": 0, "tool": 0, "other": 8}


def test_with_several_runs_in_flight_a_bare_threads_call_is_left_unattributed() -> None:
    first = outbound.RunIdentity("a", "1" * 32, "01", "agent")
    second = outbound.RunIdentity("b", "2" * 32, "01", "agent")
    with outbound.in_flight_runs.tracking(first):
        alone = outbound.current_run()
        with outbound.in_flight_runs.tracking(second):
            several = outbound.current_run()

    assert alone is first
    assert several is None


def test_the_agent_side_counts_the_call_kinds_the_runtime_does() -> None:
    from runagents_runtime import propagation

    assert tuple(kind.value for kind in propagation.CallKind) == outbound.CALL_KINDS
    assert json.dumps(outbound.RunIdentity("r", "1" * 32, "01", "a").counts()) == \
        '{"llm": 0, "tool": 0, "other": 0}'
