"""Calls made by the agent's own code, with any of the common HTTP clients, carry the run's identity."""

from __future__ import annotations

import asyncio
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import aiohttp
import httpx
import httpx2
import pytest
import requests
from opentelemetry import trace

from runagents_runtime.outbound_tracing import (
    RunContextPropagator,
    in_flight_runs,
    install_outbound_tracing,
    uninstall_outbound_tracing,
)
from runagents_runtime.propagation import RunPropagation, current_propagation, propagating, propagation_from_headers

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


class HeaderRecorder(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RecordingHandler)
        self.seen: list[dict[str, str]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/call"


class _RecordingHandler(BaseHTTPRequestHandler):
    server: HeaderRecorder

    def do_GET(self) -> None:
        self.server.seen.append({name.lower(): value for name, value in self.headers.items()})
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[HeaderRecorder]:
    server = HeaderRecorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def outbound_tracing(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    # As in an agent's pod, no SDK tracer provider: one that another test of this process installed
    # would give the instrumented clients spans of their own, whose traceparent they would send.
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", None)
    yield install_outbound_tracing()
    uninstall_outbound_tracing()


def _run(run_id: str = "run-7", trace_id: str = TRACE_ID) -> RunPropagation:
    return propagation_from_headers(
        {"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01", "X-RunAgents-Run-Id": run_id, "baggage": "k=v"},
        agent_name="agent-a",
        agent_token="secret-agent-token",
    )


def _call_with_every_client(url: str) -> None:
    with urllib.request.urlopen(url, timeout=5) as answer:
        answer.read()
    requests.get(url, timeout=5)
    httpx.get(url)
    httpx2.get(url)

    async def async_clients() -> None:
        async with httpx.AsyncClient() as client:
            await client.get(url)
        async with aiohttp.ClientSession() as session, session.get(url) as answer:
            await answer.read()

    asyncio.run(async_clients())


def test_every_client_carries_the_run_trace_and_agent_but_never_the_token(recorder: HeaderRecorder,
                                                                         outbound_tracing: list[str]) -> None:
    assert set(outbound_tracing) == {"HTTPXClient", "HTTPX2Client", "Requests", "URLLib", "AioHttpClient"}

    with propagating(_run()):
        _call_with_every_client(recorder.url)

    assert len(recorder.seen) == 6
    span_ids = set()
    for headers in recorder.seen:
        version, trace_id, span_id, flags = headers["traceparent"].split("-")
        assert (version, trace_id, flags) == ("00", TRACE_ID, "01")
        span_ids.add(span_id)
        assert headers["x-runagents-run-id"] == "run-7"
        assert headers["x-runagents-agent"] == "agent-a"
        assert headers["baggage"] == "k=v"
        assert "authorization" not in headers
    assert len(span_ids) == 6


def test_outside_a_run_nothing_is_added(recorder: HeaderRecorder) -> None:
    _call_with_every_client(recorder.url)

    assert len(recorder.seen) == 6
    assert all("traceparent" not in h and "x-runagents-run-id" not in h for h in recorder.seen)


def test_a_thread_that_lost_the_context_is_attributed_to_the_only_run_in_flight(recorder: HeaderRecorder) -> None:
    def bare_thread_call() -> None:
        thread = threading.Thread(target=requests.get, args=(recorder.url,), kwargs={"timeout": 5})
        thread.start()
        thread.join()

    with in_flight_runs.tracking(_run("only-run")):
        bare_thread_call()
    with in_flight_runs.tracking(_run("run-a")), in_flight_runs.tracking(_run("run-b", "1" * 32)):
        bare_thread_call()

    alone, ambiguous = recorder.seen
    assert alone["x-runagents-run-id"] == "only-run"
    assert alone["traceparent"].split("-")[1] == TRACE_ID
    assert "x-runagents-run-id" not in ambiguous and "traceparent" not in ambiguous


async def test_the_runtimes_own_calls_carry_its_headers_without_going_through_the_instrumentation(
    start_runtime, gateway, tools, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway.reply_with(gateway.tool_reply(("echo__echo", {})), gateway.text_reply("done"))
    injected_during_a_run: list[object] = []
    inject = RunContextPropagator.inject

    def spy(self: RunContextPropagator, carrier: object, *args: object, **kwargs: object) -> None:
        if current_propagation() is not None:
            injected_during_a_run.append(carrier)
        inject(self, carrier, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(RunContextPropagator, "inject", spy)

    async with start_runtime() as client:
        response = await client.post("/invoke", json={"message": "go"}, headers={"X-RunAgents-Run-Id": "run-9"})
        ready = await client.get("/readyz")

    assert response.status_code == 200, response.text
    assert ready.status_code == 200
    assert injected_during_a_run == []
    outbound = [request.headers for request in [*gateway.requests, *tools.requests]]
    assert len(outbound) == 3
    assert all(headers["x-runagents-run-id"] == "run-9" for headers in outbound)
    assert all(headers["authorization"] == "Bearer agent-token-for-tests" for headers in outbound)


def test_inbound_w3c_context_is_still_extracted_and_uninstall_restores_the_propagator() -> None:
    from opentelemetry import propagate, trace

    carrier = {"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"}
    extracted = trace.get_current_span(propagate.extract(carrier)).get_span_context()
    installed = propagate.get_global_textmap()

    uninstall_outbound_tracing()

    restored = propagate.get_global_textmap()
    assert format(extracted.trace_id, "032x") == TRACE_ID
    assert restored is not installed
    assert not any(isinstance(p, RunContextPropagator) for p in getattr(restored, "_propagators", [restored]))
