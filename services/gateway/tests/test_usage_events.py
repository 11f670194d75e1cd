"""Usage events: every /llm call leaves an llm.call.completed.v1 event through the outbox."""

import asyncio
from typing import Any

import httpx
import openai
import pytest

from runagents_common.events.envelope import Envelope

from .conftest import ECHO_TOOL, FakeUpstream, Gateway, RegisterProvider

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER = {
    "X-RunAgents-Run-Id": "run-42",
    "X-RunAgents-Agent": "hello-world",
    "traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01",
}


async def test_call_with_run_headers_records_an_event_naming_run_trace_and_agent(gateway: Gateway) -> None:
    completion = await gateway.client(**CALLER).chat.completions.create(
        model="playground-mini", messages=[{"role": "user", "content": "Hi there"}])

    [event] = await gateway.wait_for_events(1)

    assert event.type == "llm.call.completed.v1"
    assert event.source == "/runagents/gateway"
    assert event.subject == "run-42"
    assert completion.usage is not None
    assert _fields(event) == {
        "run_id": "run-42", "trace_id": TRACE_ID, "agent": "hello-world", "provider": "playground",
        "model": "playground-mini", "status": 200, "prompt_tokens": completion.usage.prompt_tokens,
        "completion_tokens": completion.usage.completion_tokens, "finish_reason": "stop", "tool_calls": [],
        "usage_estimated": False,
    }
    assert event.data["latency_ms"] > 0


async def test_tool_call_event_names_the_functions_requested(gateway: Gateway) -> None:
    await gateway.client(**CALLER).chat.completions.create(
        model="playground-mini", tools=[ECHO_TOOL],
        messages=[{"role": "user", "content": "Please echo 'hi' back."}])

    [event] = await gateway.wait_for_events(1)

    assert event.data["finish_reason"] == "tool_calls"
    assert event.data["tool_calls"] == ["echo__echo"]


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
    [event] = await sqlite_gateway.wait_for_events(1)
    assert len(chunks) == 5
    assert (event.data["provider"], event.data["model"], event.data["status"]) == ("local", "gpt-4o-mini", 200)
    assert (event.data["prompt_tokens"], event.data["completion_tokens"]) == (19, 3)
    assert event.data["finish_reason"] == "stop"
    assert event.data["trace_id"] == TRACE_ID


async def test_failed_call_is_recorded_with_its_status(gateway: Gateway) -> None:
    with pytest.raises(openai.NotFoundError):
        await gateway.client(**CALLER).chat.completions.create(model="no-such-model", messages=[])

    [event] = await gateway.wait_for_events(1)

    assert (event.data["status"], event.data["model"], event.data["provider"]) == (404, "no-such-model", "")
    assert event.data["run_id"] == "run-42"


async def test_embeddings_call_is_recorded_with_its_prompt_tokens(gateway: Gateway) -> None:
    result = await gateway.client(**CALLER).embeddings.create(model="playground-embed", input="some words here")

    [event] = await gateway.wait_for_events(1)

    assert event.data["model"] == "playground-embed"
    assert event.data["prompt_tokens"] == result.usage.prompt_tokens > 0


async def test_call_without_run_headers_is_recorded_anonymously(gateway: Gateway) -> None:
    async with httpx.AsyncClient() as client:
        await client.post(f"{gateway.llm_url}/chat/completions",
                          json={"model": "playground-mini", "messages": [{"role": "user", "content": "x"}]})

    [event] = await gateway.wait_for_events(1)

    assert (event.data["run_id"], event.data["trace_id"], event.data["agent"]) == (None, None, None)


async def test_recorded_event_is_published_on_the_bus(gateway: Gateway) -> None:
    received: asyncio.Queue[Envelope] = asyncio.Queue()

    async def on_event(envelope: Envelope) -> None:
        received.put_nowait(envelope)

    await gateway.bus.subscribe("runs-test", ["llm.call.completed.v1"], on_event)
    await gateway.client(**CALLER).chat.completions.create(
        model="playground-mini", messages=[{"role": "user", "content": "Hi"}])

    async with asyncio.timeout(5):
        published = await received.get()
    assert published.data["run_id"] == "run-42"


def _fields(event: Envelope) -> dict[str, Any]:
    return {key: value for key, value in event.data.items() if key not in ("latency_ms", "at")}


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
