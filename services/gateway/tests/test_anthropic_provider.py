"""Providers of kind ``anthropic``: chat completions (and the Messages and Responses wires, which
translate to them) answered by Anthropic's Messages API. A fake Anthropic on a real local port
speaks its wire format as Anthropic's API reference shows it: JSON messages, SSE with ``event:``
lines, ``tool_use`` blocks, ``{"type": "error", ...}`` errors."""

import asyncio
import json
import logging
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import anthropic
import httpx
import openai
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from runagents_common.testing import ADMIN_HEADERS

from .conftest import ANTHROPIC_ECHO_TOOL, ECHO_TOOL, RESPONSES_ECHO_TOOL, Gateway, RegisterProvider, serve

ANTHROPIC_KEY = "sk-ant-api03-provider-key-that-must-never-leak-9d2e7a"
MODEL = "claude-haiku-4-5"
SERVED_MODEL = "claude-haiku-4-5-20251001"
"""What Anthropic names in its answer: the alias the request used, resolved to a snapshot."""
HELLO: list[Any] = [{"role": "user", "content": "Say hello."}]
ECHO_REQUEST = "Please echo 'hello world' back to me."
CALLER = {"X-RunAgents-Run-Id": "run-11", "X-RunAgents-Agent": "claude-backed-agent",
          "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
USAGE = {"input_tokens": 21, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 4, "output_tokens": 9,
         "service_tier": "standard"}
RATE_LIMIT_MESSAGE = ("This request would exceed the rate limit for your organization of 50 requests per minute. "
                      "For details, refer to: https://docs.claude.com/en/api/rate-limits.")
RATE_LIMITED = {"type": "error", "error": {"type": "rate_limit_error", "message": RATE_LIMIT_MESSAGE},
                "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy"}
OVERLOADED = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"},
              "request_id": "req_011CSHoEeqs5C35K2UUqR7Fz"}


# --- a fake Anthropic --------------------------------------------------------------------------------


@dataclass
class FakeAnthropic:
    """Answers like api.anthropic.com's ``POST /v1/messages``; tests steer it."""

    url: str = ""
    requests: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    failures: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    """(status, headers, body) answered to the next requests, one each, before answering normally."""
    thinking: bool = False
    """Answer with a thinking block first, as with extended thinking on."""
    error_mid_stream: dict[str, Any] | None = None
    """An ``error`` event sent after the first delta, ending the stream."""
    cut_mid_stream: bool = False
    """End the stream after the first delta, without message_stop."""
    delay: float = 0.0

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/messages", response_model=None)
        async def messages(request: Request) -> Response:
            body = await request.json()
            self.requests.append((dict(request.headers), body))
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.failures:
                status, headers, content = self.failures.pop(0)
                if b"{key}" in content:
                    content = content.replace(b"{key}", request.headers.get("x-api-key", "").encode())
                return Response(content, status_code=status, headers=headers, media_type="application/json")
            message = _message(body, thinking=self.thinking)
            headers = {"request-id": "req_011CSHoEeqs5C35K2UUqR7Fy", "anthropic-organization-id": "org-fake"}
            if body.get("stream"):
                return StreamingResponse(self._events(message), media_type="text/event-stream", headers=headers)
            return JSONResponse(message, headers=headers)

        return app

    async def _events(self, message: dict[str, Any]) -> AsyncIterator[bytes]:
        start = {**message, "content": [], "stop_reason": None, "stop_sequence": None,
                 "usage": {**message["usage"], "output_tokens": 1}}
        yield _event({"type": "message_start", "message": start})
        for index, block in enumerate(message["content"]):
            opening, deltas = _streamed(block)
            yield _event({"type": "content_block_start", "index": index, "content_block": opening})
            if index == 0:
                yield _event({"type": "ping"})
            for number, delta in enumerate(deltas):
                yield _event({"type": "content_block_delta", "index": index, "delta": delta})
                if number == 0 and self.error_mid_stream is not None:
                    yield _event(self.error_mid_stream)
                    return
                if number == 0 and self.cut_mid_stream:
                    return
            yield _event({"type": "content_block_stop", "index": index})
        yield _event({"type": "message_delta", "delta": {"stop_reason": message["stop_reason"],
                                                         "stop_sequence": message["stop_sequence"]},
                      "usage": {"output_tokens": message["usage"]["output_tokens"]}})
        yield _event({"type": "message_stop"})


def _message(body: dict[str, Any], *, thinking: bool) -> dict[str, Any]:
    """Like a real model: after tool results it says what they were; offered tools, it uses the first (or
    the one ``tool_choice`` names) once per ``|``-separated request, saying so first; else it says hello."""
    last = body["messages"][-1]
    blocks = last["content"] if isinstance(last["content"], list) else [{"type": "text", "text": last["content"]}]
    results = [block for block in blocks if block["type"] == "tool_result"]
    text = " ".join(block["text"] for block in blocks if block["type"] == "text")
    tools, choice = body.get("tools") or [], body.get("tool_choice") or {"type": "auto"}
    content: list[dict[str, Any]] = []
    stop_reason, stop_sequence = "end_turn", None
    if results:
        content.append({"type": "text", "text": "Tools returned " + ", ".join(r.get("content", "") for r in results)})
    elif tools and choice["type"] != "none":
        name = choice["name"] if choice["type"] == "tool" else tools[0]["name"]
        requests = text.split(" | ")[:1 if choice.get("disable_parallel_tool_use") else None]
        content.append({"type": "text", "text": "I'll use the echo tool."})
        content.extend({"type": "tool_use", "id": f"toolu_01A09q90qw90lq917835lq9{n}", "name": name,
                        "input": {"message": request}} for n, request in enumerate(requests))
        stop_reason = "tool_use"
    else:
        reply = "Hello from Claude"
        for sequence in body.get("stop_sequences") or []:
            if sequence in reply:
                reply, stop_reason, stop_sequence = reply[:reply.index(sequence)], "stop_sequence", sequence
        content.append({"type": "text", "text": reply})
    if thinking:
        content.insert(0, {"type": "thinking", "thinking": "The user wants a greeting.",
                           "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"})
    return {"id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant", "model": SERVED_MODEL,
            "content": content, "stop_reason": stop_reason, "stop_sequence": stop_sequence, "usage": USAGE}


def _streamed(block: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A content block as Anthropic streams it: its empty start, then its deltas."""
    if block["type"] == "text":
        return {"type": "text", "text": ""}, [{"type": "text_delta", "text": piece}
                                              for piece in re.findall(r"\s*\S+\s*$|\s*\S+", block["text"])]
    if block["type"] == "thinking":
        return {"type": "thinking", "thinking": ""}, [{"type": "thinking_delta", "thinking": block["thinking"]},
                                                      {"type": "signature_delta", "signature": block["signature"]}]
    arguments = json.dumps(block["input"])
    return ({"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}},
            [{"type": "input_json_delta", "partial_json": ""},
             *({"type": "input_json_delta", "partial_json": arguments[i:i + 8]} for i in range(0, len(arguments), 8))])


def _event(data: dict[str, Any]) -> bytes:
    return f"event: {data['type']}\ndata: {json.dumps(data)}\n\n".encode()


def _error(status: int, kind: str, message: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"request-id": "req_011CSHoEeqs5C35K2UUqR7Fz"}, json.dumps(
        {"type": "error", "error": {"type": kind, "message": message}}).encode()


@pytest.fixture
async def claude() -> AsyncIterator[FakeAnthropic]:
    fake = FakeAnthropic()
    async with serve(fake.app()) as url:
        fake.url = url
        yield fake


@pytest.fixture
async def served(sqlite_gateway: Gateway, claude: FakeAnthropic, register_provider: RegisterProvider) -> Gateway:
    """The gateway with an anthropic provider ``claude`` in front of the fake, retries off."""
    await register_provider(sqlite_gateway, name="claude", kind="anthropic", base_url=claude.url,
                            api_key=ANTHROPIC_KEY, max_retries=0, models=[{"name": MODEL}])
    return sqlite_gateway


def _user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "text", "text": text}]}


# --- the openai SDK ----------------------------------------------------------------------------------


async def test_chat_completion_is_answered_by_anthropic_with_the_provider_key(served: Gateway,
                                                                              claude: FakeAnthropic) -> None:
    raw = await served.client(api_key="agent-platform-key").chat.completions.with_raw_response.create(
        model=MODEL, messages=[{"role": "system", "content": "You are terse."}, *HELLO])
    completion = raw.parse()

    assert completion.id == "msg_01XFDUDYJgAACzvnptvVoYEL"
    assert completion.object == "chat.completion"
    assert completion.model == SERVED_MODEL
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content == "Hello from Claude"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens, completion.usage.total_tokens) \
        == (25, 9, 34)
    assert completion.usage.prompt_tokens_details is not None
    assert completion.usage.prompt_tokens_details.cached_tokens == 4
    assert raw.headers["x-request-id"] == "req_011CSHoEeqs5C35K2UUqR7Fy"
    headers, body = claude.requests[0]
    assert headers["x-api-key"] == ANTHROPIC_KEY
    assert headers["anthropic-version"] == "2023-06-01"
    assert headers["content-type"] == "application/json"
    assert "authorization" not in headers
    assert "agent-platform-key" not in json.dumps(headers)
    assert body == {"model": MODEL, "max_tokens": 4096, "system": "You are terse.", "messages": [_user("Say hello.")]}


async def test_chat_parameters_and_content_parts_reach_anthropic_translated(served: Gateway,
                                                                             claude: FakeAnthropic) -> None:
    schema = {"type": "object", "properties": {"greeting": {"type": "string"}}, "required": ["greeting"]}
    await served.client().chat.completions.create(
        model=MODEL,
        messages=[
            {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
            {"role": "developer", "content": "Be kind."},
            {"role": "user", "content": "First question"},
            {"role": "assistant", "content": "First answer"},
            {"role": "user", "content": [
                {"type": "text", "text": "What is in these?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "low"}},
                {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
            ]},
            {"role": "user", "content": "Answer in JSON."},
        ],
        max_completion_tokens=100, temperature=0.3, top_p=0.9, stop="END", user="user-1",
        frequency_penalty=0.5, seed=7,
        response_format={"type": "json_schema", "json_schema": {"name": "greeting", "schema": schema}},
    )

    body = claude.requests[0][1]
    assert body["system"].startswith("Be brief.\n\nBe kind.\n\nAnswer with one JSON object")
    assert json.dumps(schema) in body["system"]
    assert body["messages"] == [
        _user("First question"),
        {"role": "assistant", "content": [{"type": "text", "text": "First answer"}]},
        {"role": "user", "content": [
            {"type": "text", "text": "What is in these?"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
            {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
            {"type": "text", "text": "Answer in JSON."},
        ]},
    ]
    assert {key: value for key, value in body.items() if key not in ("system", "messages")} == {
        "model": MODEL, "max_tokens": 100, "temperature": 0.3, "top_p": 0.9, "stop_sequences": ["END"],
        "metadata": {"user_id": "user-1"}}


async def test_stop_sequence_ends_the_answer_with_finish_reason_stop(served: Gateway) -> None:
    completion = await served.client().chat.completions.create(model=MODEL, messages=HELLO, stop=["Claude"])

    assert completion.choices[0].message.content == "Hello from "
    assert completion.choices[0].finish_reason == "stop"


async def test_stream_with_usage_is_chat_chunks_of_one_completion(served: Gateway, claude: FakeAnthropic) -> None:
    claude.thinking = True
    stream = await served.client().chat.completions.create(model=MODEL, messages=HELLO, stream=True,
                                                           stream_options={"include_usage": True})
    chunks = [chunk async for chunk in stream]

    answered = [chunk for chunk in chunks if chunk.choices]
    assert "".join(chunk.choices[0].delta.content or "" for chunk in answered) == "Hello from Claude"
    assert len([chunk for chunk in answered if chunk.choices[0].delta.content]) == 3  # word by word
    assert answered[0].choices[0].delta.role == "assistant"
    assert [chunk.choices[0].finish_reason for chunk in answered if chunk.choices[0].finish_reason] == ["stop"]
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == (25, 9)
    assert {(chunk.id, chunk.model, chunk.created, chunk.object) for chunk in chunks} == {
        ("msg_01XFDUDYJgAACzvnptvVoYEL", SERVED_MODEL, chunks[0].created, "chat.completion.chunk")}
    assert claude.requests[0][1]["stream"] is True
    assert claude.requests[0][0]["accept"] == "text/event-stream"


async def test_stream_without_usage_asked_ends_with_done_and_no_usage(served: Gateway) -> None:
    request = {"model": MODEL, "messages": HELLO, "stream": True}
    async with httpx.AsyncClient() as client, client.stream(
        "POST", f"{served.llm_url}/chat/completions", json=request
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        body = (await response.aread()).decode()

    frames = body.strip().split("\n\n")
    assert all(frame.startswith("data: ") for frame in frames)
    assert frames[-1] == "data: [DONE]"
    chunks = [json.loads(frame.removeprefix("data: ")) for frame in frames[:-1]]
    assert all(chunk["choices"] and "usage" not in chunk for chunk in chunks)


async def test_tool_calls_round_trip_with_a_tool_result_turn(served: Gateway, claude: FakeAnthropic) -> None:
    client = served.client()
    ask = [{"role": "user", "content": ECHO_REQUEST}]

    first = await client.chat.completions.create(model=MODEL, messages=ask, tools=[ECHO_TOOL])

    answer = first.choices[0].message
    assert first.choices[0].finish_reason == "tool_calls"
    assert answer.content == "I'll use the echo tool."
    assert answer.tool_calls is not None
    [tool_call] = answer.tool_calls
    assert tool_call.type == "function"
    assert tool_call.id == "toolu_01A09q90qw90lq917835lq90"
    assert tool_call.function.name == "echo__echo"
    assert json.loads(tool_call.function.arguments) == {"message": ECHO_REQUEST}
    assert claude.requests[0][1]["tools"] == [ANTHROPIC_ECHO_TOOL]
    assert "tool_choice" not in claude.requests[0][1]

    second = await client.chat.completions.create(model=MODEL, tools=[ECHO_TOOL], messages=[
        *ask, answer.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": tool_call.id, "content": "hello world"},
    ])

    assert second.choices[0].message.content == "Tools returned hello world"
    assert second.choices[0].finish_reason == "stop"
    assert claude.requests[1][1]["messages"] == [
        _user(ECHO_REQUEST),
        {"role": "assistant", "content": [
            {"type": "text", "text": "I'll use the echo tool."},
            {"type": "tool_use", "id": tool_call.id, "name": "echo__echo", "input": {"message": ECHO_REQUEST}},
        ]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_call.id, "content": "hello world"}]},
    ]


async def test_parallel_tool_calls_are_indexed_whole_and_streamed(served: Gateway, claude: FakeAnthropic) -> None:
    client = served.client()
    ask = [{"role": "user", "content": "Echo one | Echo two"}]

    whole = await client.chat.completions.create(model=MODEL, messages=ask, tools=[ECHO_TOOL])
    async with client.chat.completions.stream(model=MODEL, messages=ask, tools=[ECHO_TOOL]) as stream:
        events = [event async for event in stream]
        streamed = await stream.get_final_completion()

    for completion in (whole, streamed):
        calls = completion.choices[0].message.tool_calls or []
        assert [(call.id, json.loads(call.function.arguments)) for call in calls] == [
            ("toolu_01A09q90qw90lq917835lq90", {"message": "Echo one"}),
            ("toolu_01A09q90qw90lq917835lq91", {"message": "Echo two"})]
        assert completion.choices[0].finish_reason == "tool_calls"
    assert streamed.choices[0].message.content == "I'll use the echo tool."
    argument_deltas = [event for event in events if event.type == "tool_calls.function.arguments.delta"]
    assert {event.index for event in argument_deltas} == {0, 1}
    assert len(argument_deltas) > 4  # the input JSON as Anthropic streams it, piece by piece


async def test_parallel_tool_calls_false_asks_anthropic_for_one_call(served: Gateway, claude: FakeAnthropic) -> None:
    completion = await served.client().chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Echo one | Echo two"}], tools=[ECHO_TOOL],
        parallel_tool_calls=False)

    assert len(completion.choices[0].message.tool_calls or []) == 1
    assert claude.requests[0][1]["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}


@pytest.mark.parametrize(("tool_choice", "anthropic_choice"), [
    ("auto", {"type": "auto"}),
    ("required", {"type": "any"}),
    ("none", {"type": "none"}),
    ({"type": "function", "function": {"name": "echo__echo"}}, {"type": "tool", "name": "echo__echo"}),
])
async def test_tool_choice_is_translated(served: Gateway, claude: FakeAnthropic, tool_choice: Any,
                                         anthropic_choice: dict[str, Any]) -> None:
    completion = await served.client().chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": ECHO_REQUEST}], tools=[ECHO_TOOL], tool_choice=tool_choice)

    assert claude.requests[0][1]["tool_choice"] == anthropic_choice
    assert (completion.choices[0].finish_reason == "tool_calls") is (tool_choice != "none")


async def test_content_anthropic_cannot_take_is_a_400_before_any_call(served: Gateway, claude: FakeAnthropic) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        await served.client().chat.completions.create(model=MODEL, messages=[{"role": "user", "content": [
            {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}]}])

    assert raised.value.code == "unsupported_content"
    assert "input_audio" in raised.value.message
    assert claude.requests == []


# --- errors ------------------------------------------------------------------------------------------


async def test_rate_limit_is_a_429_with_retry_after_kept(served: Gateway, claude: FakeAnthropic) -> None:
    claude.failures = [(429, {"retry-after": "17", "request-id": "req_1"}, json.dumps(RATE_LIMITED).encode())]

    with pytest.raises(openai.RateLimitError) as raised:
        await served.client().chat.completions.create(model=MODEL, messages=HELLO)

    assert raised.value.status_code == 429
    assert raised.value.response.headers["retry-after"] == "17"
    assert raised.value.response.headers["x-request-id"] == "req_1"
    assert raised.value.code == "rate_limit_exceeded"
    assert raised.value.response.json()["error"]["message"] == \
        f"Model provider 'claude' refused the request: {RATE_LIMIT_MESSAGE}"
    assert raised.value.response.json()["error"]["type"] == "rate_limit_error"


@pytest.mark.parametrize(("failure", "error_class", "status", "code"), [
    (_error(529, "overloaded_error", "Overloaded"), openai.InternalServerError, 502, "upstream_error"),
    (_error(500, "api_error", "Internal server error at frame 0x7f: {key}"), openai.InternalServerError, 502,
     "upstream_error"),
    (_error(401, "authentication_error", "invalid x-api-key {key}"), openai.InternalServerError, 502,
     "upstream_auth_failed"),
    (_error(403, "permission_error", "Your API key does not have permission"), openai.InternalServerError, 502,
     "upstream_auth_failed"),
    (_error(400, "invalid_request_error", "messages.0.content: made with {key}"), openai.BadRequestError, 400,
     "upstream_error"),
    (_error(404, "not_found_error", "model: claude-haiku-4-5"), openai.NotFoundError, 404, "upstream_error"),
    (_error(413, "request_too_large", "Request exceeds the maximum allowed number of bytes."),
     openai.APIStatusError, 413, "upstream_error"),
], ids=["529", "500", "401", "403", "400", "404", "413"])
@pytest.mark.parametrize("stream", [False, True])
async def test_upstream_errors_map_to_openai_errors_without_the_key(
        served: Gateway, claude: FakeAnthropic, failure: tuple[int, dict[str, str], bytes],
        error_class: type[openai.APIStatusError], status: int, code: str, stream: bool) -> None:
    claude.failures = [failure]

    with pytest.raises(error_class) as raised:
        await served.client().chat.completions.create(model=MODEL, messages=HELLO, stream=stream)

    assert raised.value.status_code == status
    assert raised.value.code == code
    assert raised.value.response.json()["error"]["param"] is None
    assert ANTHROPIC_KEY not in raised.value.response.text
    if status < 500:
        upstream_message = json.loads(failure[2])["error"]["message"].replace("{key}", "[redacted]")
        assert raised.value.response.json()["error"]["message"] == \
            f"Model provider 'claude' refused the request: {upstream_message}"
    else:
        assert "frame" not in raised.value.response.text


async def test_overloaded_anthropic_is_retried_before_the_client_hears_of_it(
        sqlite_gateway: Gateway, claude: FakeAnthropic, register_provider: RegisterProvider) -> None:
    await register_provider(sqlite_gateway, name="claude-retrying", kind="anthropic", base_url=claude.url,
                            api_key=ANTHROPIC_KEY, max_retries=2, models=[{"name": "claude-opus-4-5"}])
    claude.failures = [(529, {}, json.dumps(OVERLOADED).encode())]

    completion = await sqlite_gateway.client().chat.completions.create(model="claude-opus-4-5", messages=HELLO)

    assert completion.choices[0].message.content == "Hello from Claude"
    assert len(claude.requests) == 2


async def test_anthropic_too_slow_is_a_504(sqlite_gateway: Gateway, claude: FakeAnthropic,
                                           register_provider: RegisterProvider) -> None:
    await register_provider(sqlite_gateway, name="claude-slow", kind="anthropic", base_url=claude.url,
                            api_key=ANTHROPIC_KEY, max_retries=0, timeout_seconds=0.2, models=[{"name": MODEL}])
    claude.delay = 1.0

    with pytest.raises(openai.InternalServerError) as raised:
        await sqlite_gateway.client().chat.completions.create(model=MODEL, messages=HELLO)

    assert raised.value.status_code == 504
    assert raised.value.code == "upstream_timeout"


async def test_unreachable_anthropic_is_a_502(sqlite_gateway: Gateway, register_provider: RegisterProvider) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    await register_provider(sqlite_gateway, name="claude-gone", kind="anthropic", api_key=ANTHROPIC_KEY,
                            base_url=f"http://127.0.0.1:{closed_port}", max_retries=0, models=[{"name": MODEL}])

    with pytest.raises(openai.InternalServerError) as raised:
        await sqlite_gateway.client().chat.completions.create(model=MODEL, messages=HELLO)

    assert raised.value.status_code == 502
    assert raised.value.code == "upstream_unreachable"


async def test_error_event_mid_stream_ends_the_stream_with_an_error(served: Gateway, claude: FakeAnthropic) -> None:
    claude.error_mid_stream = {"type": "error", "error": {"type": "overloaded_error",
                                                          "message": f"Overloaded (key {ANTHROPIC_KEY})"}}
    stream = await served.client(**CALLER).chat.completions.create(model=MODEL, messages=HELLO, stream=True)
    texts: list[str] = []

    with pytest.raises(openai.APIError) as raised:
        async for chunk in stream:
            texts.append(chunk.choices[0].delta.content or "")

    assert "".join(texts) == "Hello"
    assert raised.value.message == "Model provider 'claude' failed mid-stream: Overloaded (key [redacted])"
    assert raised.value.code == "upstream_error"
    [call] = await served.wait_for_calls(1)
    assert call["status"] == 502


async def test_stream_cut_before_message_stop_is_an_error_not_a_short_answer(served: Gateway,
                                                                             claude: FakeAnthropic) -> None:
    claude.cut_mid_stream = True
    stream = await served.client().chat.completions.create(model=MODEL, messages=HELLO, stream=True)

    with pytest.raises(openai.APIError) as raised:
        async for _ in stream:
            pass

    assert "ended its stream before the message was complete" in raised.value.message


async def test_provider_key_never_reaches_a_client_an_event_or_a_log(served: Gateway, claude: FakeAnthropic,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    claude.failures = [_error(status, "invalid_request_error", "key was {key}") for status in (400, 401, 429, 500)]
    seen: list[str] = []
    async with httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=served.url) as api:
        for stream in (False, False, False, False, False, True):
            response = await api.post("/llm/v1/chat/completions",
                                      json={"model": MODEL, "messages": HELLO, "stream": stream})
            seen.append(response.text)
        claude.error_mid_stream = {"type": "error", "error": {"type": "api_error", "message": ANTHROPIC_KEY}}
        seen.append((await api.post("/llm/v1/chat/completions",
                                    json={"model": MODEL, "messages": HELLO, "stream": True})).text)
        seen.append((await api.post("/llm/v1/messages", json={"model": MODEL, "max_tokens": 5, "messages": HELLO,
                                                              "stream": True})).text)
    await served.wait_for_calls(8)
    seen.extend(json.dumps(event.data) for event in await served.events())

    assert all(headers["x-api-key"] == ANTHROPIC_KEY for headers, _ in claude.requests)
    assert len(claude.requests) == 8
    assert all(ANTHROPIC_KEY not in text for text in seen)
    assert "[redacted]" in seen[0]
    assert ANTHROPIC_KEY not in caplog.text
    assert all(ANTHROPIC_KEY not in repr(record.args) for record in caplog.records)


# --- the usage event ---------------------------------------------------------------------------------


async def test_usage_events_name_provider_model_tokens_and_tools(served: Gateway) -> None:
    client = served.client(**CALLER)
    await client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": ECHO_REQUEST}],
                                         tools=[ECHO_TOOL])
    stream = await client.chat.completions.create(model=MODEL, messages=HELLO, stream=True)
    _ = [chunk async for chunk in stream]

    tools_call, streamed_call = await served.wait_for_calls(2)

    assert {(event.type, event.source) for event in await served.events()} == {
        ("llm.calls.completed.v1", "/runagents/gateway")}
    for call in (tools_call, streamed_call):
        assert (call["run_id"], call["agent"]) == ("run-11", "claude-backed-agent")
        assert (call["provider"], call["model"], call["status"]) == ("claude", MODEL, 200)
        assert (call["prompt_tokens"], call["completion_tokens"]) == (25, 9)
    assert (tools_call["finish_reason"], tools_call["tool_calls"]) == ("tool_calls", ["echo__echo"])
    assert (streamed_call["finish_reason"], streamed_call["tool_calls"]) == ("stop", [])


# --- the anthropic SDK through /llm/v1/messages: Anthropic -> chat -> Anthropic ----------------------


async def test_anthropic_sdk_gets_claude_s_answer_through_both_translations(served: Gateway,
                                                                             claude: FakeAnthropic) -> None:
    message = await served.anthropic().messages.create(model=MODEL, max_tokens=256, system="Be brief.",
                                                       messages=HELLO, stop_sequences=["Goodbye"])

    assert message.model == SERVED_MODEL
    assert message.content[0].type == "text"
    assert message.content[0].text == "Hello from Claude"
    assert message.stop_reason == "end_turn"
    assert (message.usage.input_tokens, message.usage.cache_read_input_tokens, message.usage.output_tokens) \
        == (21, 4, 9)
    headers, body = claude.requests[0]
    assert headers["x-api-key"] == ANTHROPIC_KEY
    assert body == {"model": MODEL, "max_tokens": 256, "system": "Be brief.", "messages": [_user("Say hello.")],
                    "stop_sequences": ["Goodbye"]}


async def test_anthropic_sdk_tool_use_round_trip(served: Gateway, claude: FakeAnthropic) -> None:
    client = served.anthropic()
    ask: list[Any] = [{"role": "user", "content": ECHO_REQUEST}]

    first = await client.messages.create(model=MODEL, max_tokens=256, tools=[ANTHROPIC_ECHO_TOOL], messages=ask,
                                         tool_choice={"type": "any"})

    assert first.stop_reason == "tool_use"
    assert [block.type for block in first.content] == ["text", "tool_use"]
    tool_use = first.content[1]
    assert tool_use.type == "tool_use"
    assert (tool_use.id, tool_use.name, tool_use.input) == ("toolu_01A09q90qw90lq917835lq90", "echo__echo",
                                                            {"message": ECHO_REQUEST})
    assert claude.requests[0][1]["tools"] == [ANTHROPIC_ECHO_TOOL]
    assert claude.requests[0][1]["tool_choice"] == {"type": "any"}

    second = await client.messages.create(model=MODEL, max_tokens=256, tools=[ANTHROPIC_ECHO_TOOL], messages=[
        *ask, {"role": "assistant", "content": first.content},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_use.id, "content": "hello world"}]},
    ])

    assert second.content[0].type == "text"
    assert second.content[0].text == "Tools returned hello world"
    assert claude.requests[1][1]["messages"][1:] == [
        {"role": "assistant", "content": [
            {"type": "text", "text": "I'll use the echo tool."},
            {"type": "tool_use", "id": tool_use.id, "name": "echo__echo", "input": {"message": ECHO_REQUEST}},
        ]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_use.id, "content": "hello world"}]},
    ]


async def test_anthropic_sdk_streams_text_and_tool_use(served: Gateway) -> None:
    client = served.anthropic()
    async with client.messages.stream(model=MODEL, max_tokens=256, messages=HELLO) as stream:
        kinds = [event.type async for event in stream]
        text = await stream.get_final_message()
    async with client.messages.stream(model=MODEL, max_tokens=256, tools=[ANTHROPIC_ECHO_TOOL],
                                      messages=[{"role": "user", "content": "Echo one | Echo two"}]) as stream:
        tools = await stream.get_final_message()

    assert kinds[0] == "message_start"
    assert kinds[-2:] == ["message_delta", "message_stop"]
    assert text.content[0].type == "text"
    assert text.content[0].text == "Hello from Claude"
    assert text.stop_reason == "end_turn"
    assert (text.usage.input_tokens, text.usage.output_tokens) == (21, 9)
    assert tools.stop_reason == "tool_use"
    assert [(block.type, getattr(block, "input", None)) for block in tools.content] == [
        ("text", None), ("tool_use", {"message": "Echo one"}), ("tool_use", {"message": "Echo two"})]


async def test_anthropic_sdk_learns_which_stop_sequence_ended_the_text(served: Gateway) -> None:
    client = served.anthropic()
    message = await client.messages.create(model=MODEL, max_tokens=64, messages=HELLO, stop_sequences=["Claude"])
    async with client.messages.stream(model=MODEL, max_tokens=64, messages=HELLO,
                                      stop_sequences=["Claude"]) as stream:
        streamed = await stream.get_final_message()

    for answer in (message, streamed):
        assert answer.content[0].type == "text"
        assert answer.content[0].text == "Hello from "
        assert (answer.stop_reason, answer.stop_sequence) == ("stop_sequence", "Claude")


async def test_anthropic_sdk_gets_anthropic_s_rate_limit_with_retry_after(served: Gateway,
                                                                          claude: FakeAnthropic) -> None:
    claude.failures = [(429, {"retry-after": "17"}, json.dumps(RATE_LIMITED).encode())]

    with pytest.raises(anthropic.RateLimitError) as raised:
        await served.anthropic().messages.create(model=MODEL, max_tokens=10, messages=HELLO)

    assert raised.value.response.headers["retry-after"] == "17"
    assert raised.value.body == {"type": "error", "error": {
        "type": "rate_limit_error", "message": f"Model provider 'claude' refused the request: {RATE_LIMIT_MESSAGE}"}}


# --- the Responses API -------------------------------------------------------------------------------


async def test_responses_api_is_answered_by_anthropic(served: Gateway, claude: FakeAnthropic) -> None:
    client = served.client()
    response = await client.responses.create(model=MODEL, instructions="Be brief.", input="Say hello.",
                                             max_output_tokens=50)
    called = await client.responses.create(model=MODEL, input=ECHO_REQUEST, tools=[RESPONSES_ECHO_TOOL])

    assert response.status == "completed"
    assert response.output_text == "Hello from Claude"
    assert response.usage is not None
    assert (response.usage.input_tokens, response.usage.output_tokens) == (25, 9)
    assert claude.requests[0][1] == {"model": MODEL, "max_tokens": 50, "system": "Be brief.",
                                     "messages": [_user("Say hello.")]}
    [call] = [item for item in called.output if item.type == "function_call"]
    assert (call.name, json.loads(call.arguments)) == ("echo__echo", {"message": ECHO_REQUEST})
