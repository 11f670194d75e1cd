"""Streams from an upstream that ignores ``stream_options`` (llama-cpp-python's server, for one) carry no
usage: the gateway estimates it from what it relayed, says so, and counts the call with it."""

import json
import math
from typing import Any

import httpx
import pytest

from runagents_gateway.llm.calls import LlmCall
from runagents_gateway.llm.sse import RelayedStream

from .conftest import ECHO_TOOL, FakeUpstream, Gateway

HELLO: list[Any] = [{"role": "user", "content": "Say hello."}]
REPLY = ["Hello", " from", " upstream"]  # the fake upstream's content pieces for HELLO
CALLER = {"X-RunAgents-Run-Id": "run-estimate", "X-RunAgents-Agent": "estimating-agent"}


def _prompt_estimate(*parts: Any) -> int:
    return math.ceil(sum(len(json.dumps(part, separators=(",", ":"))) for part in parts) / 4)


@pytest.fixture
def usage_less(upstream: FakeUpstream) -> FakeUpstream:
    upstream.omit_stream_usage = True
    return upstream


# --- the OpenAI wire ------------------------------------------------------------------------------------------


async def test_client_that_asked_for_usage_gets_an_estimated_usage_chunk_before_done(
        relayed: Gateway, usage_less: FakeUpstream) -> None:
    stream = await relayed.client().chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True,
                                                            stream_options={"include_usage": True})
    chunks = [chunk async for chunk in stream]

    assert usage_less.requests[0][1]["stream_options"] == {"include_usage": True}
    *answer, last = chunks
    assert "".join(c.choices[0].delta.content or "" for c in answer) == "".join(REPLY)
    assert last.choices == []
    assert (last.id, last.created, last.model) == (answer[0].id, answer[0].created, answer[0].model)
    assert last.usage is not None
    assert last.usage.completion_tokens == len(REPLY)
    assert last.usage.prompt_tokens == _prompt_estimate(HELLO) > 0
    assert last.usage.total_tokens == last.usage.prompt_tokens + last.usage.completion_tokens
    assert last.usage.model_extra == {"estimated": True}


async def test_estimated_usage_chunk_is_the_last_before_done_on_the_wire(relayed: Gateway,
                                                                          usage_less: FakeUpstream) -> None:
    request = {"model": "gpt-4o-mini", "messages": HELLO, "stream": True, "stream_options": {"include_usage": True}}
    async with httpx.AsyncClient() as client, client.stream(
        "POST", f"{relayed.llm_url}/chat/completions", json=request
    ) as response:
        payloads = [line.removeprefix("data: ") async for line in response.aiter_lines() if line]

    assert payloads[-1] == "[DONE]"
    usage_chunk = json.loads(payloads[-2])
    assert usage_chunk["choices"] == []
    assert usage_chunk["object"] == "chat.completion.chunk"
    assert usage_chunk["usage"]["estimated"] is True
    assert all(json.loads(payload)["choices"] for payload in payloads[:-2])


async def test_client_that_did_not_ask_gets_no_usage_but_the_call_is_recorded_with_the_estimate(
        relayed: Gateway, usage_less: FakeUpstream) -> None:
    stream = await relayed.client(**CALLER).chat.completions.create(model="gpt-4o-mini", messages=HELLO,
                                                                    stream=True)
    chunks = [chunk async for chunk in stream]

    assert all(chunk.choices and chunk.usage is None for chunk in chunks)
    [data] = await relayed.wait_for_calls(1)
    assert data["usage_estimated"] is True
    assert (data["run_id"], data["agent"], data["status"]) == ("run-estimate", "estimating-agent", 200)
    assert data["prompt_tokens"] == _prompt_estimate(HELLO) > 0
    assert data["completion_tokens"] == len(REPLY)
    assert data["finish_reason"] == "stop"


async def test_streamed_tool_call_is_estimated_from_its_argument_pieces(relayed: Gateway,
                                                                       usage_less: FakeUpstream) -> None:
    stream = await relayed.client().chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True,
                                                            tools=[ECHO_TOOL], stream_options={"include_usage": True})
    chunks = [chunk async for chunk in stream]

    pieces = [call.function.arguments for chunk in chunks if chunk.choices
              for call in chunk.choices[0].delta.tool_calls or [] if call.function and call.function.arguments]
    usage = chunks[-1].usage
    assert usage is not None and usage.model_extra == {"estimated": True}
    assert usage.completion_tokens == len(pieces) > 1
    assert usage.prompt_tokens == _prompt_estimate(HELLO, [ECHO_TOOL])
    [call] = await relayed.wait_for_calls(1)
    assert call["tool_calls"] == ["echo__echo"]
    assert (call["completion_tokens"], call["usage_estimated"]) == (len(pieces), True)


async def test_usage_the_upstream_reports_is_relayed_and_recorded_as_is(relayed: Gateway) -> None:
    stream = await relayed.client().chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True,
                                                            stream_options={"include_usage": True})
    chunks = [chunk async for chunk in stream]

    usage = chunks[-1].usage
    assert usage is not None and "estimated" not in (usage.model_extra or {})
    assert (usage.prompt_tokens, usage.completion_tokens) == (19, 3)
    assert sum(1 for chunk in chunks if chunk.usage is not None) == 1
    [data] = await relayed.wait_for_calls(1)
    assert (data["prompt_tokens"], data["completion_tokens"], data["usage_estimated"]) == (19, 3, False)


# --- the translated wires -------------------------------------------------------------------------------------


async def test_anthropic_stream_reports_the_estimated_usage(relayed: Gateway, usage_less: FakeUpstream) -> None:
    async with relayed.anthropic().messages.stream(model="gpt-4o-mini", max_tokens=100, messages=HELLO) as stream:
        final = await stream.get_final_message()

    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens == len(REPLY)
    assert final.usage.input_tokens == _prompt_estimate(usage_less.requests[0][1]["messages"]) > 0
    [call] = await relayed.wait_for_calls(1)
    assert call["usage_estimated"] is True
    assert (call["prompt_tokens"], call["completion_tokens"]) == (final.usage.input_tokens, len(REPLY))


async def test_anthropic_stream_over_an_upstream_that_reports_usage_is_not_estimated(relayed: Gateway) -> None:
    async with relayed.anthropic().messages.stream(model="gpt-4o-mini", max_tokens=100, messages=HELLO) as stream:
        final = await stream.get_final_message()

    assert (final.usage.input_tokens, final.usage.output_tokens) == (19, 3)
    [call] = await relayed.wait_for_calls(1)
    assert call["usage_estimated"] is False


async def test_responses_stream_reports_the_estimated_usage(relayed: Gateway, usage_less: FakeUpstream) -> None:
    async with relayed.client().responses.stream(model="gpt-4o-mini", input="Say hello.") as stream:
        final = await stream.get_final_response()

    assert final.output_text == "".join(REPLY)
    assert final.usage is not None
    assert final.usage.output_tokens == len(REPLY)
    assert final.usage.input_tokens > 0
    [call] = await relayed.wait_for_calls(1)
    assert call["usage_estimated"] is True


# --- the relay's framing, without a network ---------------------------------------------------------------------


def _event(payload: dict[str, Any] | str) -> bytes:
    return f"data: {payload if isinstance(payload, str) else json.dumps(payload)}\n\n".encode()


def _chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1732000000, "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}


# llama-cpp-python's shape: a role-only opening chunk, a chunk per token, an empty finish chunk, no usage.
USAGE_LESS = b"".join([_event(_chunk({"role": "assistant"})), *(_event(_chunk({"content": p})) for p in REPLY),
                       _event(_chunk({}, "stop")), _event("[DONE]")])


def _relay(pieces: list[bytes], *, drop_usage_chunk: bool) -> tuple[bytes, LlmCall]:
    call = LlmCall(run_id=None, trace_id=None, agent=None)
    stream = RelayedStream(call, drop_usage_chunk=drop_usage_chunk, request={"messages": HELLO})
    forwarded = b"".join(stream.feed(piece) for piece in pieces) + stream.flush()
    return forwarded, call


@pytest.mark.parametrize("read_size", [1, 7, len(USAGE_LESS)])
def test_pieces_are_counted_however_the_bytes_arrive(read_size: int) -> None:
    reads = [USAGE_LESS[i : i + read_size] for i in range(0, len(USAGE_LESS), read_size)]

    forwarded, call = _relay(reads, drop_usage_chunk=False)

    estimate = {"prompt_tokens": _prompt_estimate(HELLO), "completion_tokens": len(REPLY),
                "total_tokens": _prompt_estimate(HELLO) + len(REPLY), "estimated": True}
    usage_chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1732000000, "model": "m",
                   "choices": [], "usage": estimate}
    done = _event("[DONE]")
    framed = b"data: " + json.dumps(usage_chunk, separators=(",", ":")).encode() + b"\n\n"
    assert forwarded == USAGE_LESS.removesuffix(done) + framed + done
    assert (call.prompt_tokens, call.completion_tokens, call.usage_estimated) == (_prompt_estimate(HELLO), 3, True)


def test_estimate_is_counted_but_not_sent_to_a_client_that_did_not_ask() -> None:
    forwarded, call = _relay([USAGE_LESS], drop_usage_chunk=True)

    assert forwarded == USAGE_LESS
    assert (call.completion_tokens, call.usage_estimated) == (3, True)


def test_stream_without_done_gets_the_estimate_at_its_end() -> None:
    forwarded, call = _relay([USAGE_LESS.removesuffix(_event("[DONE]"))], drop_usage_chunk=False)

    last = json.loads(forwarded.rstrip().rsplit(b"\n\n", 1)[-1].removeprefix(b"data: "))
    assert last["choices"] == [] and last["usage"]["estimated"] is True
    assert call.completion_tokens == 3


def test_stream_cut_short_by_an_error_is_counted_but_told_no_usage() -> None:
    cut = b"".join([_event(_chunk({"role": "assistant"})), _event(_chunk({"content": "Hello"})),
                    _event({"error": {"message": "overloaded", "type": "server_error"}})])

    forwarded, call = _relay([cut], drop_usage_chunk=False)

    assert forwarded == cut
    assert call.usage_estimated is True and call.prompt_tokens > 0


def test_usage_the_upstream_reported_is_not_estimated() -> None:
    usage = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [],
             "usage": {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16}}
    upstream = USAGE_LESS.replace(_event("[DONE]"), _event(usage) + _event("[DONE]"))

    forwarded, call = _relay([upstream], drop_usage_chunk=False)

    assert forwarded == upstream
    assert (call.prompt_tokens, call.completion_tokens, call.usage_estimated) == (11, 5, False)
