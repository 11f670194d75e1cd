"""Usage events: every /llm call is recorded, as one of the calls of an llm.calls.completed.v1 event
(one per short window) that leaves through the outbox."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from sqlalchemy.engine import make_url

from runagents_common.events.envelope import Envelope
from runagents_common.testing import TcpProxy, eventually
from runagents_gateway.llm import usage
from runagents_gateway.settings import GatewaySettings

from .conftest import (
    ECHO_TOOL,
    SECRET_KEY,
    USAGE_EVENT_TYPE,
    FakeUpstream,
    Gateway,
    RegisterProvider,
    StartGateway,
)

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER = {
    "X-RunAgents-Run-Id": "run-42",
    "X-RunAgents-Run-Seq": "3",
    "X-RunAgents-Agent": "hello-world",
    "traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01",
}


async def test_call_with_run_headers_records_an_event_naming_run_trace_and_agent(gateway: Gateway) -> None:
    completion = await gateway.client(**CALLER).chat.completions.create(
        model="playground-mini", messages=[{"role": "user", "content": "Hi there"}])

    [call] = await gateway.wait_for_calls(1)

    [event] = await gateway.events()
    assert event.type == USAGE_EVENT_TYPE == "llm.calls.completed.v1"
    assert event.source == "/runagents/gateway"
    assert event.subject is None  # a batch may hold the calls of several runs: each names its own
    assert event.data["calls"] == [call]
    assert completion.usage is not None
    assert _fields(call) == {
        "run_id": "run-42", "trace_id": TRACE_ID, "agent": "hello-world", "provider": "playground",
        "model": "playground-mini", "status": 200, "prompt_tokens": completion.usage.prompt_tokens,
        "completion_tokens": completion.usage.completion_tokens, "finish_reason": "stop", "tool_calls": [],
        "usage_estimated": False, "seq": 3,
    }
    assert call["latency_ms"] > 0


async def test_tool_call_event_names_the_functions_requested(gateway: Gateway) -> None:
    await gateway.client(**CALLER).chat.completions.create(
        model="playground-mini", tools=[ECHO_TOOL],
        messages=[{"role": "user", "content": "Please echo 'hi' back."}])

    [call] = await gateway.wait_for_calls(1)

    assert call["finish_reason"] == "tool_calls"
    assert call["tool_calls"] == ["echo__echo"]


async def test_streamed_call_is_recorded_after_its_last_chunk_with_its_usage(
        sqlite_gateway: Gateway, upstream: FakeUpstream, register_provider: RegisterProvider) -> None:
    await register_provider(sqlite_gateway, name="local", kind="openai-compatible", base_url=f"{upstream.url}/v1",
                            models=[{"name": "gpt-4o-mini"}])
    upstream.hold_after_first_chunk = asyncio.Event()
    stream = await sqlite_gateway.client(**CALLER).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}], stream=True)
    chunks = [await anext(aiter(stream)), await anext(aiter(stream))]
    await asyncio.sleep(0.2)

    assert await sqlite_gateway.events() == []  # the stream is not finished: nothing is recorded yet
    upstream.hold_after_first_chunk.set()
    chunks.extend([chunk async for chunk in stream])
    [call] = await sqlite_gateway.wait_for_calls(1)
    assert len(chunks) == 5
    assert (call["provider"], call["model"], call["status"]) == ("local", "gpt-4o-mini", 200)
    assert (call["prompt_tokens"], call["completion_tokens"]) == (19, 3)
    assert call["finish_reason"] == "stop"
    assert call["trace_id"] == TRACE_ID


async def test_failed_call_is_recorded_with_its_status(gateway: Gateway) -> None:
    with pytest.raises(openai.NotFoundError):
        await gateway.client(**CALLER).chat.completions.create(model="no-such-model", messages=[])

    [call] = await gateway.wait_for_calls(1)

    assert (call["status"], call["model"], call["provider"]) == (404, "no-such-model", "")
    assert call["run_id"] == "run-42"


async def test_embeddings_call_is_recorded_with_its_prompt_tokens(gateway: Gateway) -> None:
    result = await gateway.client(**CALLER).embeddings.create(model="playground-embed", input="some words here")

    [call] = await gateway.wait_for_calls(1)

    assert call["model"] == "playground-embed"
    assert call["prompt_tokens"] == result.usage.prompt_tokens > 0


async def test_call_without_run_headers_is_recorded_anonymously(gateway: Gateway) -> None:
    async with httpx.AsyncClient() as client:
        await client.post(f"{gateway.llm_url}/chat/completions",
                          json={"model": "playground-mini", "messages": [{"role": "user", "content": "x"}]})

    [call] = await gateway.wait_for_calls(1)

    assert (call["run_id"], call["trace_id"], call["agent"]) == (None, None, None)


async def test_recorded_event_is_published_on_the_bus(gateway: Gateway) -> None:
    received: asyncio.Queue[Envelope] = asyncio.Queue()

    async def on_event(envelope: Envelope) -> None:
        received.put_nowait(envelope)

    await gateway.bus.subscribe("runs-test", ["llm.calls.completed.v1"], on_event)
    await gateway.client(**CALLER).chat.completions.create(
        model="playground-mini", messages=[{"role": "user", "content": "Hi"}])

    async with asyncio.timeout(5):
        published = await received.get()
    assert published.type == "llm.calls.completed.v1"
    [call] = published.data["calls"]
    assert call["run_id"] == "run-42"
    assert [published.id] == [event.id for event in await gateway.events()]  # the outbox's one event


async def test_concurrent_calls_are_recorded_together_each_once_with_its_own_run(gateway: Gateway) -> None:
    runs = [f"run-{index}" for index in range(5)]

    async def call_as(run_id: str) -> None:
        await gateway.client(**{**CALLER, "X-RunAgents-Run-Id": run_id}).chat.completions.create(
            model="playground-mini", messages=[{"role": "user", "content": f"Hi from {run_id}"}])

    await asyncio.gather(*(call_as(run_id) for run_id in runs))
    calls = await gateway.wait_for_calls(len(runs))

    events = await gateway.events()
    assert all(event.type == "llm.calls.completed.v1" for event in events)
    assert len(events) < len(calls) == len(runs)  # the calls of one window share an event
    assert sorted(call["run_id"] for call in calls) == runs
    assert all((call["agent"], call["trace_id"], call["status"]) == ("hello-world", TRACE_ID, 200) for call in calls)


def _fields(call: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in call.items() if key not in ("latency_ms", "at")}


def test_a_call_s_time_and_latency_end_when_its_answer_is_complete_not_when_it_is_recorded() -> None:
    import time as clock

    from runagents_gateway.llm.calls import LlmCall

    call = LlmCall(run_id="r", trace_id=None, agent="a")
    call.mark_finished()
    finished_at, latency = call.finished_at, call.completed_event().latency_ms
    clock.sleep(0.05)
    call.mark_finished()

    event = call.completed_event()
    assert event.at == finished_at
    assert event.latency_ms == latency < 50


@pytest.fixture
async def postgres_proxy(postgres_url: str) -> AsyncIterator[TcpProxy]:
    """A cuttable path to the session's Postgres (set up before the gateway, so closed after it)."""
    url = make_url(postgres_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.close()


async def test_calls_finished_while_the_database_is_down_are_recorded_once_it_is_back(
        postgres_proxy: TcpProxy, start_gateway: StartGateway, postgres_url: str, tmp_path: Path) -> None:
    """A Postgres outage once dropped a batch ("could not record the usage of 2 model call(s)")."""
    database_url = make_url(postgres_url).set(port=postgres_proxy.port).render_as_string(hide_password=False)
    settings = GatewaySettings(mode="distributed", data_dir=tmp_path, gateway_secret_key=SECRET_KEY,
                               require_agent_key=False, database_url=database_url)
    async with start_gateway(settings) as gateway:
        client = gateway.client(**CALLER)
        await client.chat.completions.create(model="playground-mini", messages=[{"role": "user", "content": "1"}])
        await gateway.wait_for_calls(1)

        await postgres_proxy.cut()
        for n in range(2, 5):
            await client.chat.completions.create(
                model="playground-mini", messages=[{"role": "user", "content": str(n)}])
        recorder = gateway.component.context.usage
        await eventually(lambda: recorder.unwritten == 3, message="the calls kept through the outage")
        await postgres_proxy.restore()

        calls = await gateway.wait_for_calls(4, within=30)
        assert len(calls) == 4  # each call once: none lost, none written twice
        assert [c["run_id"] for c in calls] == ["run-42"] * 4
        assert recorder.unwritten == 0 and recorder.dropped == 0


async def test_past_the_bound_the_oldest_unwritten_calls_are_dropped_and_counted(
        postgres_proxy: TcpProxy, start_gateway: StartGateway, postgres_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(usage, "MAX_UNWRITTEN_CALLS", 2)
    database_url = make_url(postgres_url).set(port=postgres_proxy.port).render_as_string(hide_password=False)
    settings = GatewaySettings(mode="distributed", data_dir=tmp_path, gateway_secret_key=SECRET_KEY,
                               require_agent_key=False, database_url=database_url)
    async with start_gateway(settings) as gateway:
        recorder = gateway.component.context.usage
        await postgres_proxy.cut()
        for n in range(3):
            await gateway.client(**{**CALLER, "X-RunAgents-Run-Id": f"run-{n}"}).chat.completions.create(
                model="playground-mini", messages=[{"role": "user", "content": str(n)}])
        await eventually(lambda: recorder.dropped == 1 and recorder.unwritten == 2,
                         message="the oldest call dropped, two kept")
        await postgres_proxy.restore()

        calls = await gateway.wait_for_calls(2, within=30)
        assert [c["run_id"] for c in calls] == ["run-1", "run-2"]


async def test_a_batch_that_fails_for_another_reason_than_an_outage_is_not_retried_for_ever(
        gateway: Gateway, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Only a database outage is waited out: a batch failing otherwise would fail at every try and hold
    every later call behind it."""
    recorder = gateway.component.context.usage
    outbox = gateway.component.outbox
    add = outbox.add
    failures = 0

    def add_failing_once(*args: Any, **kwargs: Any) -> Any:
        nonlocal failures
        if failures == 0:
            failures += 1
            raise ValueError("the event could not be made")
        return add(*args, **kwargs)

    monkeypatch.setattr(outbox, "add", add_failing_once)
    await gateway.client(**{**CALLER, "X-RunAgents-Run-Id": "run-a"}).chat.completions.create(
        model="playground-mini", messages=[{"role": "user", "content": "1"}])
    await eventually(lambda: failures == 1 and recorder.unwritten == 0, message="the failed batch given up")
    await gateway.client(**{**CALLER, "X-RunAgents-Run-Id": "run-b"}).chat.completions.create(
        model="playground-mini", messages=[{"role": "user", "content": "2"}])

    calls = await gateway.wait_for_calls(1)
    await asyncio.sleep(usage.LINGER_SECONDS * 2)  # a retry of run-a's batch would have been written by now
    assert [c["run_id"] for c in await gateway.calls()] == ["run-b"]
    assert [c["run_id"] for c in calls] == ["run-b"]
    assert any(r.getMessage() == "could not record the usage of 1 model call(s)" and r.exc_info
               for r in caplog.records)
