"""Providers of kind bedrock: a fake Bedrock runtime on a real port speaks the Converse API's wire
(JSON for converse, AWS's binary event stream for converse-stream, encoded here with real CRCs),
and the real openai and anthropic SDKs call the gateway in front of it."""

import json
import logging
import random
import string
import struct
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx
import openai
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from .conftest import ECHO_TOOL, Gateway, RegisterProvider, serve

BEDROCK_KEY = "ABSKQmVkcm9ja0FQSUtleS1leGFtcGxlOnRlc3Qta2V5LXRoYXQtbXVzdC1uZXZlci1sZWFr"
MODEL = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
PROFILE_ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6"
HELLO: list[Any] = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Say hello."}]
ECHO_REQUEST: list[Any] = [{"role": "user", "content": "hello world"}]
USAGE = {"inputTokens": 21, "outputTokens": 5, "totalTokens": 26}
TOOL_USE_ID = "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q"
EVENT_STREAM = "application/vnd.amazon.eventstream"


# --- AWS's event-stream encoding ---------------------------------------------------------------------

_FIXED = {2: ">b", 3: ">h", 4: ">i", 5: ">q", 8: ">q"}


def encoded_message(headers: dict[str, Any], payload: bytes) -> bytes:
    """One event-stream message. A header value is a str (type 7), bytes (6), bool (0/1), int (4),
    or ``(type, value)`` for the other types."""
    encoded = b""
    for name, value in headers.items():
        raw_name = name.encode()
        encoded += struct.pack(">B", len(raw_name)) + raw_name
        kind, value = value if isinstance(value, tuple) else (_type_of(value), value)
        encoded += struct.pack(">B", kind)
        if kind in _FIXED:
            encoded += struct.pack(_FIXED[kind], value)
        elif kind in (6, 7):
            raw = value.encode() if kind == 7 else value
            encoded += struct.pack(">H", len(raw)) + raw
        elif kind == 9:
            encoded += value
    prelude = struct.pack(">II", 12 + len(encoded) + len(payload) + 4, len(encoded))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + encoded + payload
    return message + struct.pack(">I", zlib.crc32(message))


def _type_of(value: Any) -> int:
    if isinstance(value, bool):
        return 0 if value else 1
    if isinstance(value, int):
        return 4
    return 6 if isinstance(value, bytes) else 7


def event(event_type: str, body: dict[str, Any]) -> bytes:
    """A Converse stream event as Bedrock sends it, padded with a random ``p`` as Bedrock pads them."""
    padding = "".join(random.choices(string.ascii_letters, k=random.randint(1, 24)))
    payload = json.dumps({**body, "p": padding}, separators=(",", ":")).encode()
    return encoded_message({":event-type": event_type, ":content-type": "application/json",
                            ":message-type": "event"}, payload)


def exception(exception_type: str, message: str) -> bytes:
    payload = json.dumps({"message": message}).encode()
    return encoded_message({":exception-type": exception_type, ":content-type": "application/json",
                            ":message-type": "exception"}, payload)


# --- a fake Bedrock runtime --------------------------------------------------------------------------


@dataclass
class Received:
    operation: str
    raw_path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeBedrock:
    """Answers like bedrock-runtime.<region>.amazonaws.com (shapes as the Converse API documents them)."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    failure: tuple[int, str, str, dict[str, str]] | None = None
    """(status, exception type, message, extra headers) to answer every request with instead."""
    stream_starts_with: tuple[str, str] | None = None
    """An exception event (type, message) a stream sends instead of its answer."""
    exception_mid_stream: tuple[str, str] | None = None
    """An exception event a stream sends after its first text delta, ending it."""
    corrupt_message: int | None = None
    """The index of a stream message whose checksum is sent wrong."""
    end_after: int | None = None
    """The number of messages after which a stream ends, finished or not."""

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/model/{model_id:path}/converse", response_model=None)
        async def converse(request: Request) -> Response:
            await self._receive("converse", request)
            if self.failure:
                return self._failure()
            blocks, stop_reason = _answer(self.received[-1].body)
            return JSONResponse({"metrics": {"latencyMs": 417},
                                 "output": {"message": {"content": blocks, "role": "assistant"}},
                                 "stopReason": stop_reason, "usage": USAGE},
                                headers={"x-amzn-RequestId": "5e0f7c1e-0000-4000-8000-7a1b2c3d4e5f"})

        @app.post("/model/{model_id:path}/converse-stream", response_model=None)
        async def converse_stream(request: Request) -> Response:
            await self._receive("converse-stream", request)
            if self.failure:
                return self._failure()
            return StreamingResponse(self._stream(self.received[-1].body), media_type=EVENT_STREAM,
                                     headers={"x-amzn-RequestId": "5e0f7c1e-0000-4000-8000-7a1b2c3d4e5f"})

        return app

    async def _receive(self, operation: str, request: Request) -> None:
        self.received.append(Received(operation, request.scope["raw_path"].decode(), dict(request.headers),
                                      await request.json()))

    def _failure(self) -> Response:
        assert self.failure is not None
        status, kind, message, headers = self.failure
        return JSONResponse({"message": message}, status_code=status,
                            headers={"x-amzn-ErrorType": f"{kind}:http://internal.amazon.com/coral/com.amazon.bedrock/",
                                     **headers})

    async def _stream(self, body: dict[str, Any]) -> AsyncIterator[bytes]:
        messages = _stream_messages(body, self)[:self.end_after]
        for index, message in enumerate(messages):
            if index == self.corrupt_message:
                message = message[:-1] + bytes([message[-1] ^ 0xFF])
            # Each message in two reads: the gateway must put messages split across reads together.
            half = len(message) // 2
            yield message[:half]
            yield message[half:]


def _answer(body: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """Like a real model: after tool results, what the tools returned; offered tools, it calls the
    first with the user's text; else a greeting."""
    last = body["messages"][-1]["content"]
    results = [block["toolResult"] for block in last if "toolResult" in block]
    if results:
        returned = " ".join(part["text"] for result in results for part in result["content"])
        return [{"text": f"Tools returned {returned}"}], "end_turn"
    tools = (body.get("toolConfig") or {}).get("tools") or []
    if tools:
        text = " ".join(block["text"] for block in last if "text" in block)
        tool_use = {"toolUseId": TOOL_USE_ID, "name": tools[0]["toolSpec"]["name"], "input": {"message": text}}
        return [{"text": "Let me echo that."}, {"toolUse": tool_use}], "tool_use"
    return [{"text": "Hello from Bedrock"}], "end_turn"


def _stream_messages(body: dict[str, Any], fake: FakeBedrock) -> list[bytes]:
    if fake.stream_starts_with is not None:
        return [exception(*fake.stream_starts_with)]
    blocks, stop_reason = _answer(body)
    messages = [event("messageStart", {"role": "assistant"})]
    for index, block in enumerate(blocks):
        if "text" in block:
            words = block["text"].split(" ")
            for position, word in enumerate(words):
                piece = word if position == 0 else f" {word}"
                messages.append(event("contentBlockDelta", {"contentBlockIndex": index, "delta": {"text": piece}}))
                if fake.exception_mid_stream is not None:
                    return [*messages, exception(*fake.exception_mid_stream)]
        else:
            tool_use = block["toolUse"]
            start = {"toolUse": {"toolUseId": tool_use["toolUseId"], "name": tool_use["name"]}}
            messages.append(event("contentBlockStart", {"contentBlockIndex": index, "start": start}))
            arguments = json.dumps(tool_use["input"])
            messages += [event("contentBlockDelta", {"contentBlockIndex": index,
                                                     "delta": {"toolUse": {"input": arguments[i:i + 6]}}})
                         for i in range(0, len(arguments), 6)]
        messages.append(event("contentBlockStop", {"contentBlockIndex": index}))
    messages.append(event("messageStop", {"stopReason": stop_reason}))
    messages.append(event("metadata", {"metrics": {"latencyMs": 312}, "usage": USAGE}))
    return messages


@pytest.fixture
async def bedrock() -> AsyncIterator[FakeBedrock]:
    fake = FakeBedrock()
    async with serve(fake.app()) as url:
        fake.url = url
        yield fake


@pytest.fixture
async def gateway(sqlite_gateway: Gateway, bedrock: FakeBedrock, register_provider: RegisterProvider) -> Gateway:
    """The gateway with a bedrock provider ``aws`` in front of the fake runtime."""
    await register_provider(sqlite_gateway, name="aws", kind="bedrock", base_url=bedrock.url, api_key=BEDROCK_KEY,
                            models=[{"name": MODEL}, {"name": PROFILE_ARN}], max_retries=0)
    return sqlite_gateway


# --- through the openai SDK --------------------------------------------------------------------------


async def test_chat_completion_is_answered_by_converse_with_the_bedrock_api_key(gateway: Gateway,
                                                                               bedrock: FakeBedrock) -> None:
    completion = await gateway.client(api_key="agent-platform-key").chat.completions.create(
        model=MODEL, messages=HELLO, max_tokens=300, temperature=0.2, top_p=0.9, stop=["\n\nHuman:"])

    assert completion.model == MODEL
    assert completion.choices[0].message.content == "Hello from Bedrock"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (21, 5)
    [received] = bedrock.received
    assert received.operation == "converse"
    assert unquote(received.raw_path) == f"/model/{MODEL}/converse"
    assert received.headers["authorization"] == f"Bearer {BEDROCK_KEY}"
    assert received.headers["content-type"] == "application/json"
    assert "agent-platform-key" not in json.dumps(received.headers)
    assert received.body == {
        "messages": [{"role": "user", "content": [{"text": "Say hello."}]}],
        "system": [{"text": "You are terse."}],
        "inferenceConfig": {"maxTokens": 300, "temperature": 0.2, "topP": 0.9, "stopSequences": ["\n\nHuman:"]},
    }


async def test_an_inference_profile_arn_is_one_escaped_path_segment(gateway: Gateway, bedrock: FakeBedrock) -> None:
    await gateway.client().chat.completions.create(model=PROFILE_ARN, messages=HELLO)

    raw_path = bedrock.received[0].raw_path
    assert raw_path.count("/") == 3  # /model/{modelId}/converse: the ARN's own slash is escaped
    assert "%2F" in raw_path
    assert unquote(raw_path) == f"/model/{PROFILE_ARN}/converse"


async def test_stream_arrives_chunk_by_chunk_with_usage_last(gateway: Gateway, bedrock: FakeBedrock) -> None:
    stream = await gateway.client().chat.completions.create(model=MODEL, messages=HELLO, stream=True,
                                                            stream_options={"include_usage": True})
    chunks = [chunk async for chunk in stream]

    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices) == "Hello from Bedrock"
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [chunk.choices[0].finish_reason for chunk in chunks if chunk.choices][-1] == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == (21, 5)
    [received] = bedrock.received
    assert received.operation == "converse-stream"
    assert received.headers["accept"] == EVENT_STREAM
    assert received.headers["authorization"] == f"Bearer {BEDROCK_KEY}"
    [recorded] = await gateway.wait_for_calls(1)
    assert (recorded["provider"], recorded["model"], recorded["status"]) == ("aws", MODEL, 200)
    assert (recorded["prompt_tokens"], recorded["completion_tokens"]) == (21, 5)
    assert recorded["finish_reason"] == "stop"


async def test_stream_shows_no_usage_to_a_client_that_did_not_ask(gateway: Gateway) -> None:
    stream = await gateway.client().chat.completions.create(model=MODEL, messages=HELLO, stream=True)
    chunks = [chunk async for chunk in stream]

    assert all(chunk.choices and chunk.usage is None for chunk in chunks)
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == "Hello from Bedrock"


async def test_tool_call_and_tool_result_round_trip(gateway: Gateway, bedrock: FakeBedrock) -> None:
    client = gateway.client()

    first = await client.chat.completions.create(model=MODEL, messages=ECHO_REQUEST, tools=[ECHO_TOOL],
                                                 tool_choice="auto")

    assert first.choices[0].finish_reason == "tool_calls"
    message = first.choices[0].message
    assert message.content == "Let me echo that."
    assert message.tool_calls is not None
    [tool_call] = message.tool_calls
    assert tool_call.type == "function"
    assert tool_call.id == TOOL_USE_ID
    assert tool_call.function.name == "echo__echo"
    assert json.loads(tool_call.function.arguments) == {"message": "hello world"}
    assert bedrock.received[0].body["toolConfig"] == {
        "tools": [{"toolSpec": {"name": "echo__echo", "description": "Echo a message back to the caller",
                                "inputSchema": {"json": ECHO_TOOL["function"]["parameters"]}}}],
        "toolChoice": {"auto": {}},
    }

    second = await client.chat.completions.create(
        model=MODEL, tools=[ECHO_TOOL],
        messages=[*ECHO_REQUEST, message.model_dump(exclude_none=True),
                  {"role": "tool", "tool_call_id": tool_call.id, "content": "hello world"}],
    )

    assert second.choices[0].finish_reason == "stop"
    assert second.choices[0].message.content == "Tools returned hello world"
    assert bedrock.received[1].body["messages"] == [
        {"role": "user", "content": [{"text": "hello world"}]},
        {"role": "assistant", "content": [{"text": "Let me echo that."}, {"toolUse": {
            "toolUseId": TOOL_USE_ID, "name": "echo__echo", "input": {"message": "hello world"}}}]},
        {"role": "user", "content": [{"toolResult": {"toolUseId": TOOL_USE_ID, "content": [{"text": "hello world"}]}}]},
    ]


async def test_streamed_tool_call_arrives_as_argument_deltas(gateway: Gateway) -> None:
    stream = await gateway.client().chat.completions.create(model=MODEL, messages=ECHO_REQUEST, tools=[ECHO_TOOL],
                                                            stream=True)
    chunks = [chunk async for chunk in stream]

    deltas = [chunk.choices[0].delta for chunk in chunks]
    pieces = [call for delta in deltas for call in delta.tool_calls or []]
    assert pieces[0].id == TOOL_USE_ID
    assert pieces[0].function is not None and pieces[0].function.name == "echo__echo"
    assert len(pieces) > 2 and all(piece.index == 0 for piece in pieces)
    arguments = "".join(piece.function.arguments or "" for piece in pieces if piece.function is not None)
    assert json.loads(arguments) == {"message": "hello world"}
    assert "".join(delta.content or "" for delta in deltas) == "Let me echo that."
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


async def test_throttling_is_a_429_rate_limit_error_with_retry_after(gateway: Gateway, bedrock: FakeBedrock) -> None:
    bedrock.failure = (429, "ThrottlingException", "Too many requests, please wait before trying again.",
                       {"retry-after": "30"})

    with pytest.raises(openai.RateLimitError) as raised:
        await gateway.client().chat.completions.create(model=MODEL, messages=HELLO)

    assert raised.value.status_code == 429
    assert raised.value.response.headers["retry-after"] == "30"
    assert "Too many requests" in raised.value.message
    assert raised.value.code == "rate_limit_exceeded"


async def test_throttling_exception_opening_a_stream_is_a_429(gateway: Gateway, bedrock: FakeBedrock) -> None:
    bedrock.stream_starts_with = ("throttlingException", "Too many tokens, please wait before trying again.")

    with pytest.raises(openai.RateLimitError) as raised:
        await gateway.client().chat.completions.create(model=MODEL, messages=HELLO, stream=True)

    assert "Too many tokens" in raised.value.message


async def test_validation_exception_is_a_400_with_bedrocks_message_and_never_the_key(
        gateway: Gateway, bedrock: FakeBedrock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bedrock.failure = (400, "ValidationException",
                       f"The provided model identifier is invalid. (credential {BEDROCK_KEY})", {})

    with pytest.raises(openai.BadRequestError) as raised:
        await gateway.client().chat.completions.create(model=MODEL, messages=HELLO)

    assert raised.value.status_code == 400
    assert raised.value.type == "invalid_request_error"
    assert "The provided model identifier is invalid." in raised.value.message
    assert "[redacted]" in raised.value.message
    assert BEDROCK_KEY not in raised.value.response.text
    assert BEDROCK_KEY not in caplog.text


async def test_a_rejected_api_key_is_a_502_not_the_callers_401(gateway: Gateway, bedrock: FakeBedrock) -> None:
    bedrock.failure = (403, "AccessDeniedException", "Invalid API Key format: Must start with pre-defined prefix", {})

    with pytest.raises(openai.InternalServerError) as raised:
        await gateway.client().chat.completions.create(model=MODEL, messages=HELLO)

    assert raised.value.status_code == 502
    assert raised.value.code == "upstream_auth_failed"


async def test_service_unavailable_is_a_502(gateway: Gateway, bedrock: FakeBedrock) -> None:
    bedrock.failure = (503, "ServiceUnavailableException", "Bedrock is unable to process your request.", {})

    with pytest.raises(openai.InternalServerError) as raised:
        await gateway.client().chat.completions.create(model=MODEL, messages=HELLO)

    assert raised.value.status_code == 502


async def test_an_exception_event_mid_stream_ends_the_stream_with_an_error(gateway: Gateway,
                                                                          bedrock: FakeBedrock) -> None:
    bedrock.exception_mid_stream = ("modelStreamErrorException", "The model stopped answering.")
    stream = await gateway.client().chat.completions.create(model=MODEL, messages=HELLO, stream=True)
    texts: list[str] = []

    with pytest.raises(openai.APIError) as raised:
        async for chunk in stream:
            texts.append(chunk.choices[0].delta.content or "")

    assert "".join(texts) == "Hello"
    assert "modelStreamErrorException: The model stopped answering." in raised.value.message
    [recorded] = await gateway.wait_for_calls(1)
    assert recorded["status"] == 502


async def test_a_corrupted_checksum_mid_stream_is_a_stream_error_not_a_crash(gateway: Gateway,
                                                                            bedrock: FakeBedrock) -> None:
    bedrock.corrupt_message = 2
    stream = await gateway.client().chat.completions.create(model=MODEL, messages=HELLO, stream=True)

    with pytest.raises(openai.APIError) as raised:
        async for _ in stream:
            pass

    assert "malformed event stream" in raised.value.message
    bedrock.corrupt_message = None
    completion = await gateway.client().chat.completions.create(model=MODEL, messages=HELLO)
    assert completion.choices[0].message.content == "Hello from Bedrock"


async def test_a_corrupted_first_message_is_a_502(gateway: Gateway, bedrock: FakeBedrock) -> None:
    bedrock.corrupt_message = 0

    with pytest.raises(openai.InternalServerError) as raised:
        await gateway.client().chat.completions.create(model=MODEL, messages=HELLO, stream=True)

    assert raised.value.status_code == 502
    assert "malformed event stream" in raised.value.message


async def test_a_stream_ending_before_message_stop_is_a_stream_error(gateway: Gateway,
                                                                    bedrock: FakeBedrock) -> None:
    bedrock.end_after = 3
    stream = await gateway.client().chat.completions.create(model=MODEL, messages=HELLO, stream=True)

    with pytest.raises(openai.APIError) as raised:
        async for _ in stream:
            pass

    assert "ended the stream before the answer was complete" in raised.value.message


async def test_content_bedrock_cannot_take_is_a_400_before_any_call(gateway: Gateway, bedrock: FakeBedrock) -> None:
    image = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}

    with pytest.raises(openai.BadRequestError) as raised:
        await gateway.client().chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": [{"type": "text", "text": "What is it?"}, image]}])

    assert raised.value.code == "unsupported_content"
    assert bedrock.received == []


# --- through the anthropic SDK: Messages -> chat completions -> Converse, and back -----------------------


async def test_anthropic_sdk_reaches_bedrock_through_both_translations(gateway: Gateway,
                                                                      bedrock: FakeBedrock) -> None:
    client = gateway.anthropic()

    message = await client.messages.create(model=MODEL, max_tokens=256, system="You are terse.",
                                           messages=[{"role": "user", "content": "Say hello."}])
    async with client.messages.stream(model=MODEL, max_tokens=256, system="You are terse.",
                                      messages=[{"role": "user", "content": "Say hello."}]) as stream:
        streamed = await stream.get_final_message()

    for answer in (message, streamed):
        assert answer.content[0].type == "text"
        assert answer.content[0].text == "Hello from Bedrock"
        assert answer.stop_reason == "end_turn"
        assert (answer.usage.input_tokens, answer.usage.output_tokens) == (21, 5)
    assert [received.operation for received in bedrock.received] == ["converse", "converse-stream"]
    for received in bedrock.received:
        assert received.body == {"messages": [{"role": "user", "content": [{"text": "Say hello."}]}],
                                 "system": [{"text": "You are terse."}], "inferenceConfig": {"maxTokens": 256}}


# --- registration --------------------------------------------------------------------------------------


async def test_a_bedrock_provider_needs_its_runtime_endpoint(sqlite_api: httpx.AsyncClient) -> None:
    response = await sqlite_api.post("/api/v1/model-providers", json={"name": "aws", "kind": "bedrock",
                                                                      "api_key": BEDROCK_KEY,
                                                                      "models": [{"name": MODEL}]})

    assert response.status_code == 422
    assert "base_url" in response.text
    assert BEDROCK_KEY not in response.text
