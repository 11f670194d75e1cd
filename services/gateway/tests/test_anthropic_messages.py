"""POST /llm/v1/messages: the real anthropic SDK (ANTHROPIC_BASE_URL=<gateway>/llm) against the
gateway, served by the playground and by an OpenAI-compatible upstream."""

import asyncio
import json
from typing import Any

import anthropic
import httpx
import pytest
from pydantic import BaseModel

from .conftest import ANTHROPIC_ECHO_TOOL, UPSTREAM_KEY, FakeUpstream, Gateway

HELLO: list[Any] = [{"role": "user", "content": "Say hello to the platform."}]
ECHO_REQUEST: list[Any] = [{"role": "user", "content": "Please echo 'hello world' back to me."}]
CALLER = {"X-RunAgents-Run-Id": "run-7", "X-RunAgents-Agent": "claude-agent",
          "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}


async def test_message_answers_through_the_anthropic_sdk(gateway: Gateway) -> None:
    message = await gateway.anthropic().messages.create(model="playground-mini", max_tokens=256,
                                                        system="You are a helpful agent.", messages=HELLO)

    assert message.type == "message"
    assert message.role == "assistant"
    assert message.id.startswith("msg_")
    assert message.model == "playground-mini"
    assert [block.type for block in message.content] == ["text"]
    assert message.content[0].type == "text"
    assert message.content[0].text == "Playground reply to: Say hello to the platform."
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens > 0
    assert message.usage.output_tokens > 0


async def test_system_blocks_and_text_blocks_reach_the_model(gateway: Gateway) -> None:
    message = await gateway.anthropic().messages.create(
        model="playground-mini", max_tokens=64, system=[{"type": "text", "text": "Be brief."}],
        messages=[{"role": "user", "content": [{"type": "text", "text": "First part."},
                                               {"type": "text", "text": "Second part."}]}],
        metadata={"user_id": "user-1"}, stop_sequences=["\n\n"], extra_body={"temperature": 0.2, "top_k": 5},
    )

    assert message.content[0].type == "text"
    assert message.content[0].text == "Playground reply to: First part.\nSecond part."


async def test_stop_sequences_reach_the_model(gateway: Gateway) -> None:
    message = await gateway.anthropic().messages.create(model="playground-mini", max_tokens=64, messages=HELLO,
                                                        stop_sequences=["platform"])

    assert message.content[0].type == "text"
    assert message.content[0].text == "Playground reply to: Say hello to the "


async def test_structured_output_is_parsed_by_the_sdk(gateway: Gateway) -> None:
    class Greeting(BaseModel):
        greeting: str
        words: int

    parsed = await gateway.anthropic().messages.parse(model="playground-mini", max_tokens=256, messages=HELLO,
                                                      output_format=Greeting)

    assert isinstance(parsed.parsed_output, Greeting)
    assert parsed.parsed_output.greeting


async def test_streamed_message_follows_anthropics_event_sequence(gateway: Gateway) -> None:
    client = gateway.anthropic()
    whole = await client.messages.create(model="playground-mini", max_tokens=256, messages=HELLO)

    async with client.messages.stream(model="playground-mini", max_tokens=256, messages=HELLO) as stream:
        events = [event async for event in stream]
        final = await stream.get_final_message()

    kinds = [event.type for event in events]
    assert kinds[0] == "message_start"
    assert kinds[-2:] == ["message_delta", "message_stop"]
    assert kinds.count("content_block_start") == kinds.count("content_block_stop") == 1
    assert kinds.count("content_block_delta") > 2  # word by word, not one piece
    assert final.content[0].type == "text"
    assert final.content[0].text == whole.content[0].text
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens == whole.usage.output_tokens
    assert final.usage.input_tokens == whole.usage.input_tokens


async def test_stream_is_sent_with_event_lines_and_the_sse_media_type(gateway: Gateway) -> None:
    request = {"model": "playground-mini", "max_tokens": 64, "messages": HELLO, "stream": True}
    async with httpx.AsyncClient() as client, client.stream(
        "POST", f"{gateway.url}/llm/v1/messages", json=request
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        body = (await response.aread()).decode()

    frames = [frame.split("\n") for frame in body.strip().split("\n\n")]
    assert all(lines[0].startswith("event: ") and lines[1].startswith("data: ") for lines in frames)
    for lines in frames:
        assert json.loads(lines[1].removeprefix("data: "))["type"] == lines[0].removeprefix("event: ")
    assert "[DONE]" not in body


async def test_tool_use_round_trip_with_tool_results(gateway: Gateway) -> None:
    client = gateway.anthropic()

    first = await client.messages.create(model="playground-mini", max_tokens=256, tools=[ANTHROPIC_ECHO_TOOL],
                                         messages=ECHO_REQUEST)

    assert first.stop_reason == "tool_use"
    [tool_use] = [block for block in first.content if block.type == "tool_use"]
    assert tool_use.name == "echo__echo"
    assert "hello world" in tool_use.input["message"]

    second = await client.messages.create(
        model="playground-mini", max_tokens=256, tools=[ANTHROPIC_ECHO_TOOL],
        messages=[*ECHO_REQUEST, {"role": "assistant", "content": first.content},
                  {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_use.id,
                                                "content": [{"type": "text", "text": "hello world"}]}]}],
    )

    assert second.stop_reason == "end_turn"
    assert second.content[0].type == "text"
    assert second.content[0].text == "Tool echo__echo returned: hello world"


async def test_streamed_tool_use_arrives_as_input_json_deltas(gateway: Gateway) -> None:
    async with gateway.anthropic().messages.stream(model="playground-mini", max_tokens=256,
                                                   tools=[ANTHROPIC_ECHO_TOOL], messages=ECHO_REQUEST) as stream:
        events = [event async for event in stream]
        final = await stream.get_final_message()

    starts = [event for event in events if event.type == "content_block_start"]
    assert [start.content_block.type for start in starts] == ["tool_use"]
    pieces = [event.delta for event in events if event.type == "content_block_delta"]
    assert len(pieces) > 1 and all(piece.type == "input_json_delta" for piece in pieces)
    assert final.stop_reason == "tool_use"
    assert final.content[0].type == "tool_use"
    assert "hello world" in final.content[0].input["message"]


async def test_tool_choice_none_and_a_named_tool_are_honoured(gateway: Gateway) -> None:
    client = gateway.anthropic()
    other = {"name": "weather", "description": "Weather forecast for a city",
             "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}

    declined = await client.messages.create(model="playground-mini", max_tokens=64, messages=ECHO_REQUEST,
                                            tools=[ANTHROPIC_ECHO_TOOL], tool_choice={"type": "none"})
    forced = await client.messages.create(model="playground-mini", max_tokens=64, messages=ECHO_REQUEST,
                                          tools=[ANTHROPIC_ECHO_TOOL, other],
                                          tool_choice={"type": "tool", "name": "weather"})

    assert declined.stop_reason == "end_turn"
    assert forced.stop_reason == "tool_use"
    assert [block.name for block in forced.content if block.type == "tool_use"] == ["weather"]


async def test_malformed_request_is_an_anthropic_invalid_request_error(gateway: Gateway) -> None:
    with pytest.raises(anthropic.BadRequestError) as raised:
        await gateway.anthropic().messages.create(model="playground-mini", max_tokens=64,
                                                  messages=[{"role": "robot", "content": "Hi"}])

    assert raised.value.status_code == 400
    body = raised.value.response.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == "invalid_request_error"
    assert "messages[0]" in body["error"]["message"]
    assert "Traceback" not in raised.value.response.text


@pytest.mark.parametrize("content, complaint", [
    (b"{not json", "not valid JSON"),
    (b'{"model": "playground-mini", "messages": [{"role": "user", "content": "Hi"}]}', "'max_tokens'"),
    (b'{"model": "playground-mini", "max_tokens": 5, "messages": []}', "'messages'"),
    (b'{"model": "playground-mini", "max_tokens": 5, "messages": [{"role": "user", "content": '
     b'[{"type": "document", "source": {}}]}]}', "'document'"),
    (b'{"model": "playground-mini", "max_tokens": 5, "messages": [{"role": "user", "content": "Hi"}], '
     b'"tools": [{"type": "web_search_20250305", "name": "web_search"}]}', "custom"),
])
async def test_bad_bodies_are_400s_in_anthropic_error_format(gateway: Gateway, content: bytes, complaint: str) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{gateway.url}/llm/v1/messages", content=content,
                                     headers={"content-type": "application/json"})

    assert response.status_code == 400
    assert response.json()["type"] == "error"
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert complaint in response.json()["error"]["message"]


async def test_unknown_model_is_an_anthropic_not_found_error(gateway: Gateway) -> None:
    with pytest.raises(anthropic.NotFoundError) as raised:
        await gateway.anthropic().messages.create(model="claude-9-opus", max_tokens=64, messages=HELLO)

    body = raised.value.response.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == "not_found_error"
    assert "claude-9-opus" in body["error"]["message"]


async def test_message_call_is_recorded_with_run_trace_and_agent(gateway: Gateway) -> None:
    message = await gateway.anthropic(**CALLER).messages.create(model="playground-mini", max_tokens=64,
                                                                tools=[ANTHROPIC_ECHO_TOOL], messages=ECHO_REQUEST)

    [call] = await gateway.wait_for_calls(1)

    assert {key: call[key] for key in ("run_id", "agent", "trace_id", "provider", "model", "status")} == {
        "run_id": "run-7", "agent": "claude-agent", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "provider": "playground", "model": "playground-mini", "status": 200}
    assert call["prompt_tokens"] == message.usage.input_tokens
    assert call["completion_tokens"] == message.usage.output_tokens
    assert (call["finish_reason"], call["tool_calls"]) == ("tool_calls", ["echo__echo"])


# --- through an OpenAI-compatible upstream --------------------------------------------------------------


async def test_openai_served_model_answers_an_anthropic_client(relayed: Gateway, upstream: FakeUpstream) -> None:
    message = await relayed.anthropic(api_key="agent-platform-key").messages.create(
        model="gpt-4o-mini", max_tokens=100, system="Be nice.", messages=HELLO, stop_sequences=["END"],
        metadata={"user_id": "u-1"})

    assert message.content[0].type == "text"
    assert message.content[0].text == "Hello from upstream"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (19, 3)
    headers, body = upstream.requests[0]
    assert body == {"model": "gpt-4o-mini", "max_tokens": 100, "stop": ["END"], "stream": False,
                    "messages": [{"role": "system", "content": "Be nice."}, *HELLO]}
    assert headers["authorization"] == f"Bearer {UPSTREAM_KEY}"
    assert "agent-platform-key" not in json.dumps(headers)


async def test_openai_served_model_runs_an_anthropic_tool_round_trip(relayed: Gateway,
                                                                     upstream: FakeUpstream) -> None:
    client = relayed.anthropic()
    first = await client.messages.create(model="gpt-4o-mini", max_tokens=100, tools=[ANTHROPIC_ECHO_TOOL],
                                         tool_choice={"type": "any"}, messages=ECHO_REQUEST)
    [tool_use] = [block for block in first.content if block.type == "tool_use"]

    second = await client.messages.create(
        model="gpt-4o-mini", max_tokens=100, tools=[ANTHROPIC_ECHO_TOOL],
        messages=[*ECHO_REQUEST, {"role": "assistant", "content": first.content},
                  {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_use.id,
                                                "content": "echoed!"}]}])

    assert first.stop_reason == "tool_use"
    assert tool_use.input == {"message": ECHO_REQUEST[0]["content"]}
    assert second.content[0].type == "text"
    assert second.content[0].text == "Tools returned echoed!"
    sent = upstream.requests[1][1]
    assert upstream.requests[0][1]["tool_choice"] == "required"
    assert sent["tools"] == [{"type": "function", "function": {
        "name": "echo__echo", "description": ANTHROPIC_ECHO_TOOL["description"],
        "parameters": ANTHROPIC_ECHO_TOOL["input_schema"]}}]
    assert sent["messages"][1:] == [
        {"role": "assistant", "content": None, "tool_calls": [{"id": tool_use.id, "type": "function", "function": {
            "name": "echo__echo", "arguments": json.dumps(tool_use.input, separators=(",", ":"))}}]},
        {"role": "tool", "tool_call_id": tool_use.id, "content": "echoed!"},
    ]


async def test_streamed_tool_use_from_an_openai_served_model(relayed: Gateway) -> None:
    async with relayed.anthropic().messages.stream(model="gpt-4o-mini", max_tokens=100,
                                                   tools=[ANTHROPIC_ECHO_TOOL], messages=ECHO_REQUEST) as stream:
        final = await stream.get_final_message()

    assert final.stop_reason == "tool_use"
    assert final.content[0].type == "tool_use"
    assert final.content[0].input == {"message": ECHO_REQUEST[0]["content"]}
    assert final.usage.output_tokens == 3


async def test_stream_from_an_openai_served_model_is_translated_chunk_by_chunk(relayed: Gateway,
                                                                              upstream: FakeUpstream) -> None:
    upstream.hold_after_first_chunk = asyncio.Event()
    texts: list[str] = []

    async with asyncio.timeout(5):  # a buffering translation would wait for the held upstream forever
        async with relayed.anthropic().messages.stream(model="gpt-4o-mini", max_tokens=100,
                                                       messages=HELLO) as stream:
            async for text in stream.text_stream:
                texts.append(text)
                if text == "Hello":
                    upstream.hold_after_first_chunk.set()
            final = await stream.get_final_message()

    assert "".join(texts) == "Hello from upstream"
    assert final.stop_reason == "end_turn"
    assert (final.usage.input_tokens, final.usage.output_tokens) == (19, 3)


async def test_client_leaving_a_translated_stream_closes_the_upstream(relayed: Gateway,
                                                                     upstream: FakeUpstream) -> None:
    upstream.hold_after_first_chunk = asyncio.Event()
    request = {"model": "gpt-4o-mini", "max_tokens": 100, "messages": HELLO, "stream": True}
    async with httpx.AsyncClient() as client, client.stream(
        "POST", f"{relayed.url}/llm/v1/messages", json=request
    ) as response:
        async for line in response.aiter_lines():
            if "Hello" in line:
                break  # leave while the upstream is still holding the rest

    async with asyncio.timeout(5):
        await upstream.stream_closed.wait()
    [call] = await relayed.wait_for_calls(1)
    assert call["status"] == 499


async def test_upstream_rate_limit_is_an_anthropic_rate_limit_error_with_retry_after(
        relayed: Gateway, upstream: FakeUpstream) -> None:
    error = {"error": {"message": "Rate limit reached for gpt-4o-mini.", "type": "requests",
                       "param": None, "code": "rate_limit_exceeded"}}
    upstream.failure = (429, {"retry-after": "7"}, json.dumps(error).encode())

    with pytest.raises(anthropic.RateLimitError) as raised:
        await relayed.anthropic().messages.create(model="gpt-4o-mini", max_tokens=10, messages=HELLO)

    assert raised.value.response.headers["retry-after"] == "7"
    assert raised.value.response.json() == {"type": "error", "error": {
        "type": "rate_limit_error", "message": "Rate limit reached for gpt-4o-mini."}}


async def test_upstream_failure_is_an_anthropic_api_error_without_the_provider_key(
        relayed: Gateway, upstream: FakeUpstream) -> None:
    upstream.failure = (500, {}, json.dumps({"error": {"message": f"bad key {UPSTREAM_KEY}"}}).encode())

    with pytest.raises(anthropic.InternalServerError) as raised:
        await relayed.anthropic().messages.create(model="gpt-4o-mini", max_tokens=10, messages=HELLO)

    assert raised.value.status_code == 502
    assert raised.value.response.json()["error"]["type"] == "api_error"
    assert UPSTREAM_KEY not in raised.value.response.text


async def test_upstream_failing_mid_stream_is_an_anthropic_error_event(relayed: Gateway,
                                                                       upstream: FakeUpstream) -> None:
    upstream.error_mid_stream = {"error": {"message": "The server had an error while processing your request.",
                                           "type": "server_error"}}

    with pytest.raises(anthropic.APIStatusError) as raised:
        async with relayed.anthropic().messages.stream(model="gpt-4o-mini", max_tokens=10, messages=HELLO) as stream:
            async for _ in stream:
                pass

    assert raised.value.body == {"type": "error", "error": {
        "type": "api_error",
        "message": "Model provider 'local' failed mid-stream: The server had an error while processing your request."}}
    [call] = await relayed.wait_for_calls(1)
    assert call["status"] == 502
