"""Relaying to an openai-compatible provider: a fake upstream on a real port speaks OpenAI's wire format."""

import asyncio
import json
import logging
import socket

import httpx
import openai
import pytest

from runagents_common.testing import ADMIN_HEADERS
from runagents_gateway.llm.requests import raw_with_usage_in_stream

from .conftest import UPSTREAM_KEY, FakeUpstream, Gateway, RegisterProvider

HELLO = [{"role": "user", "content": "Say hello."}]


async def test_chat_is_relayed_with_the_provider_key(relayed: Gateway, upstream: FakeUpstream) -> None:
    completion = await relayed.client().chat.completions.create(model="gpt-4o-mini", messages=HELLO)

    assert completion.choices[0].message.content == "Hello from upstream"
    assert completion.system_fingerprint == "fp_0ba0d124f1"
    headers, body = upstream.requests[0]
    assert headers["authorization"] == f"Bearer {UPSTREAM_KEY}"
    assert body == {"model": "gpt-4o-mini", "messages": HELLO}


async def test_provider_prefix_is_stripped_before_relaying(relayed: Gateway, upstream: FakeUpstream) -> None:
    await relayed.client().chat.completions.create(model="local/gpt-4o-mini", messages=HELLO)

    assert upstream.requests[0][1]["model"] == "gpt-4o-mini"


async def test_platform_credentials_of_the_caller_are_not_relayed(relayed: Gateway, upstream: FakeUpstream) -> None:
    client = relayed.client(api_key="agent-platform-key")

    await client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)

    assert "agent-platform-key" not in json.dumps(upstream.requests[0][0])


async def test_stream_is_relayed_chunk_by_chunk_before_the_upstream_finishes(relayed: Gateway,
                                                                              upstream: FakeUpstream) -> None:
    upstream.hold_after_first_chunk = asyncio.Event()
    stream = await relayed.client().chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True)
    texts: list[str] = []

    async with asyncio.timeout(5):  # a buffering relay would wait for the held upstream forever
        async for chunk in stream:
            texts.append(chunk.choices[0].delta.content or "")
            if texts[-1] == "Hello":
                upstream.hold_after_first_chunk.set()

    assert "".join(texts) == "Hello from upstream"


async def test_client_leaving_mid_stream_closes_the_upstream_and_is_recorded_as_499(
        relayed: Gateway, upstream: FakeUpstream) -> None:
    upstream.hold_after_first_chunk = asyncio.Event()
    request = {"model": "gpt-4o-mini", "messages": HELLO, "stream": True}
    async with httpx.AsyncClient() as client, client.stream(
        "POST", f"{relayed.llm_url}/chat/completions", json=request
    ) as response:
        async for line in response.aiter_lines():
            if "Hello" in line:
                break  # leave while the upstream is still holding the rest

    async with asyncio.timeout(5):
        await upstream.stream_closed.wait()
    [call] = await relayed.wait_for_calls(1)
    assert call["status"] == 499


async def test_stream_usage_is_counted_but_not_shown_to_a_client_that_did_not_ask(relayed: Gateway,
                                                                                   upstream: FakeUpstream) -> None:
    request = {"model": "gpt-4o-mini", "messages": HELLO, "stream": True}
    async with httpx.AsyncClient() as client, client.stream(
        "POST", f"{relayed.llm_url}/chat/completions", json=request
    ) as response:
        payloads = [line.removeprefix("data: ") async for line in response.aiter_lines() if line]

    assert upstream.requests[0][1]["stream_options"] == {"include_usage": True}
    assert payloads[-1] == "[DONE]"
    assert all(json.loads(p)["choices"] for p in payloads[:-1])
    [data] = await relayed.wait_for_calls(1)
    assert (data["prompt_tokens"], data["completion_tokens"], data["finish_reason"]) == (19, 3, "stop")


async def test_stream_usage_is_asked_beside_the_clients_own_stream_options(relayed: Gateway,
                                                                           upstream: FakeUpstream) -> None:
    request = {"model": "gpt-4o-mini", "messages": HELLO, "stream": True,
               "stream_options": {"include_obfuscation": False}}
    async with httpx.AsyncClient() as client, client.stream(
        "POST", f"{relayed.llm_url}/chat/completions", json=request
    ) as response:
        payloads = [line.removeprefix("data: ") async for line in response.aiter_lines() if line]

    assert upstream.requests[0][1]["stream_options"] == {"include_obfuscation": False, "include_usage": True}
    assert upstream.requests[0][1]["messages"] == HELLO
    assert all(json.loads(p)["choices"] for p in payloads[:-1])


@pytest.mark.parametrize("raw", [
    b'{"model":"m","stream":true,"messages":[{"role":"user","content":"}"}]}',
    b'{\n  "model": "m",\n  "stream": true\n}\n  ',
])
def test_usage_is_asked_for_by_appending_to_the_bytes_the_client_sent(raw: bytes) -> None:
    body = json.loads(raw)

    asked = raw_with_usage_in_stream(body, raw)

    assert asked.startswith(raw.rstrip()[:-1])
    assert json.loads(asked) == {**body, "stream_options": {"include_usage": True}}


def test_usage_cannot_be_appended_beside_the_clients_own_stream_options() -> None:
    raw = b'{"model":"m","stream":true,"stream_options":{}}'

    assert raw_with_usage_in_stream(json.loads(raw), raw) == b""


async def test_stream_usage_reaches_a_client_that_asked(relayed: Gateway) -> None:
    stream = await relayed.client().chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True,
                                                            stream_options={"include_usage": True})
    chunks = [chunk async for chunk in stream]

    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 22


async def test_embeddings_are_relayed(relayed: Gateway, upstream: FakeUpstream) -> None:
    result = await relayed.client().embeddings.create(model="text-embedding-3-small", input=["a", "b"])

    assert len(result.data) == 2
    assert upstream.requests[0][1]["input"] == ["a", "b"]


async def test_upstream_429_is_passed_through_with_retry_after(relayed: Gateway, upstream: FakeUpstream) -> None:
    error = {"error": {"message": "Rate limit reached for gpt-4o-mini", "type": "requests", "param": None,
                       "code": "rate_limit_exceeded"}}
    upstream.failure = (429, {"retry-after": "7", "x-ratelimit-remaining-requests": "0"}, json.dumps(error).encode())

    with pytest.raises(openai.RateLimitError) as raised:
        await relayed.client().chat.completions.create(model="gpt-4o-mini", messages=HELLO)

    response = raised.value.response
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert response.headers["x-ratelimit-remaining-requests"] == "0"
    assert response.json() == error


async def test_upstream_4xx_without_openai_body_becomes_an_openai_error(relayed: Gateway,
                                                                          upstream: FakeUpstream) -> None:
    upstream.failure = (400, {}, b"context too long")

    with pytest.raises(openai.BadRequestError) as raised:
        await relayed.client().chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True)

    assert "context too long" in raised.value.message


async def test_upstream_5xx_is_a_502(relayed: Gateway, upstream: FakeUpstream) -> None:
    upstream.failure = (500, {}, b'{"error": {"message": "internal: stack at line 3"}}')

    with pytest.raises(openai.InternalServerError) as raised:
        await relayed.client().chat.completions.create(model="gpt-4o-mini", messages=HELLO)

    assert raised.value.status_code == 502
    assert "stack" not in raised.value.message


async def test_upstream_rejecting_the_gateway_key_is_a_502_not_the_callers_401(relayed: Gateway,
                                                                                upstream: FakeUpstream) -> None:
    rejection = {"error": {"message": f"Incorrect API key provided: {UPSTREAM_KEY}", "type": "invalid_request_error",
                           "param": None, "code": "invalid_api_key"}}
    upstream.failure = (401, {}, json.dumps(rejection).encode())

    with pytest.raises(openai.InternalServerError) as raised:
        await relayed.client().chat.completions.create(model="gpt-4o-mini", messages=HELLO)

    assert raised.value.status_code == 502
    assert raised.value.code == "upstream_auth_failed"
    assert UPSTREAM_KEY not in raised.value.response.text


async def test_upstream_error_echoing_the_key_is_redacted(relayed: Gateway, upstream: FakeUpstream) -> None:
    echo = {"error": {"message": f"bad request made with {UPSTREAM_KEY}", "type": "invalid_request_error"}}
    upstream.failure = (422, {}, json.dumps(echo).encode())

    async with httpx.AsyncClient() as client:
        response = await client.post(f"{relayed.llm_url}/chat/completions", json={"model": "gpt-4o-mini"})

    assert response.status_code == 422
    assert UPSTREAM_KEY not in response.text
    assert "[redacted]" in response.json()["error"]["message"]


async def test_unreachable_upstream_is_a_502(sqlite_gateway: Gateway, register_provider: RegisterProvider) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    await register_provider(sqlite_gateway, name="gone", kind="openai-compatible",
                            base_url=f"http://127.0.0.1:{closed_port}/v1", models=[{"name": "m"}])

    with pytest.raises(openai.InternalServerError) as raised:
        await sqlite_gateway.client().chat.completions.create(model="m", messages=HELLO)

    assert raised.value.status_code == 502
    assert raised.value.code == "upstream_unreachable"


async def test_azure_provider_gets_its_key_in_the_api_key_header(sqlite_gateway: Gateway, upstream: FakeUpstream,
                                                                 register_provider: RegisterProvider) -> None:
    await register_provider(sqlite_gateway, name="azure", kind="azure-openai", base_url=f"{upstream.url}/v1",
                            api_key=UPSTREAM_KEY, models=[{"name": "gpt-4o"}])

    await sqlite_gateway.client().chat.completions.create(model="gpt-4o", messages=HELLO)

    headers = upstream.requests[0][0]
    assert headers["api-key"] == UPSTREAM_KEY
    assert "authorization" not in headers


async def test_provider_key_never_appears_in_responses_or_logs(relayed: Gateway, upstream: FakeUpstream,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    async with httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=relayed.url) as api:
        for response in [
            await api.get("/api/v1/model-providers"),
            await api.get("/api/v1/model-providers/local"),
            await api.put("/api/v1/model-providers/local", json={
                "kind": "openai-compatible", "base_url": f"{upstream.url}/v1", "api_key": UPSTREAM_KEY,
                "models": [{"name": "gpt-4o-mini"}]}),
            await api.post("/api/v1/model-providers", json={"name": "local", "kind": "openai",
                                                            "api_key": UPSTREAM_KEY}),
            await api.post("/api/v1/model-providers", json={"name": "BAD", "kind": "openai",
                                                            "api_key": UPSTREAM_KEY}),
            await api.post("/llm/v1/chat/completions", json={"model": "gpt-4o-mini", "messages": HELLO}),
            await api.post("/llm/v1/chat/completions", json={"model": "gpt-4o-mini", "messages": HELLO,
                                                            "stream": True}),
        ]:
            seen.append(response.text)
        upstream.failure = (401, {}, json.dumps({"error": {"message": UPSTREAM_KEY}}).encode())
        seen.append((await api.post("/llm/v1/chat/completions", json={"model": "gpt-4o-mini"})).text)
    await relayed.wait_for_calls(3)
    seen.extend(json.dumps(event.data) for event in await relayed.events())

    assert len(upstream.requests) == 3  # the relay did use the key
    assert all(UPSTREAM_KEY not in text for text in seen)
    assert caplog.records
    assert UPSTREAM_KEY not in caplog.text
    assert all(UPSTREAM_KEY not in repr(record.args) for record in caplog.records)

