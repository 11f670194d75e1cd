"""Fixtures of the gateway tests: the gateway on a real port (SQLite or Postgres), the real openai
and anthropic SDKs pointed at it, and a fake upstream that speaks OpenAI's wire format on another
real port."""

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from runagents_common.bus import InMemoryBus
from runagents_common.events.envelope import Envelope
from runagents_common.service import ServiceComponent, ServiceHost, create_host_app
from runagents_common.testing import ADMIN_HEADERS
from runagents_gateway.component import create_component
from runagents_gateway.db import OutboxMessage
from runagents_gateway.settings import GatewaySettings

SECRET_KEY = "test-gateway-secret-key-0123456789abcdef"
UPSTREAM_KEY = "sk-upstream-key-that-must-never-leak-5f3a9c"
ECHO_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "echo__echo",
        "description": "Echo a message back to the caller",
        "parameters": {
            "type": "object",
            "properties": {"message": {"type": "string", "description": "The message to echo"}},
            "required": ["message"],
        },
    },
}
ANTHROPIC_ECHO_TOOL: dict[str, Any] = {
    "name": ECHO_TOOL["function"]["name"],
    "description": ECHO_TOOL["function"]["description"],
    "input_schema": ECHO_TOOL["function"]["parameters"],
}
RESPONSES_ECHO_TOOL: dict[str, Any] = {"type": "function", "strict": False, **ECHO_TOOL["function"]}
USAGE_EVENT_TYPE = "llm.calls.completed.v1"
"""The gateway's usage events: each carries the model calls of a short window."""


@asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on a free local port (lifespan included); yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the server stopped during start-up")
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@dataclass
class Gateway:
    url: str
    component: ServiceComponent
    bus: InMemoryBus
    clients: list[openai.AsyncOpenAI | anthropic.AsyncAnthropic] = field(default_factory=list)

    @property
    def llm_url(self) -> str:
        return f"{self.url}/llm/v1"

    def client(self, api_key: str = "platform-managed", **headers: str) -> openai.AsyncOpenAI:
        """The real openai SDK pointed at the gateway (closed when the gateway stops)."""
        client = openai.AsyncOpenAI(base_url=self.llm_url, api_key=api_key, max_retries=0,
                                    default_headers=headers or None)
        self.clients.append(client)
        return client

    def anthropic(self, api_key: str = "platform-managed", **headers: str) -> anthropic.AsyncAnthropic:
        """The real anthropic SDK as an agent has it: ANTHROPIC_BASE_URL=<gateway>/llm.

        Its own OpenTelemetry spans are off: once any test of the process has registered a tracer
        provider, the SDK would replace the trace context a test sends with its own span's.
        """
        client = anthropic.AsyncAnthropic(base_url=f"{self.url}/llm", api_key=api_key, max_retries=0,
                                          default_headers=headers or None, open_telemetry=False)
        self.clients.append(client)
        return client

    async def events(self) -> list[Envelope]:
        """The events in the outbox, in the order they were written, but the audit's records of the tests'
        provider registrations (tests/test_audit.py covers those)."""
        async with self.component.database.session() as session:
            rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
        envelopes = [Envelope.model_validate_json(row.envelope) for row in rows]
        return [envelope for envelope in envelopes if not envelope.type.startswith("audit.")]

    async def calls(self) -> list[dict[str, Any]]:
        """The model calls recorded so far, in order: the ``calls`` of each ``llm.calls.completed.v1``
        event in the outbox, flattened."""
        return [call for event in await self.events() if event.type == USAGE_EVENT_TYPE
                for call in event.data["calls"]]

    async def wait_for_calls(self, count: int, within: float = 5.0) -> list[dict[str, Any]]:
        """The recorded calls, once there are at least ``count`` (the recorder writes them a moment
        after the responses)."""
        deadline = time.monotonic() + within
        while len(found := await self.calls()) < count:
            if time.monotonic() > deadline:
                pytest.fail(f"expected {count} recorded model call(s) in the outbox's {USAGE_EVENT_TYPE} "
                            f"events, found {len(found)}")
            await asyncio.sleep(0.02)
        return found


StartGateway = Callable[..., AbstractAsyncContextManager[Gateway]]


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> GatewaySettings:
    return GatewaySettings(mode="dev", data_dir=tmp_path, gateway_secret_key=SECRET_KEY,
                           require_agent_key=False)


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> GatewaySettings:
    """Gateway settings on each database the platform runs on."""
    if request.param == "sqlite":
        return GatewaySettings(mode="dev", data_dir=tmp_path, gateway_secret_key=SECRET_KEY,
                           require_agent_key=False)
    postgres_url: str = request.getfixturevalue("postgres_url")
    return GatewaySettings(mode="distributed", database_url=postgres_url, data_dir=tmp_path,
                           gateway_secret_key=SECRET_KEY, require_agent_key=False)


async def _drop_gateway_schema(settings: GatewaySettings) -> None:
    engine = create_async_engine(settings.database_url.get_secret_value())
    async with engine.begin() as conn:
        await conn.execute(text('DROP SCHEMA IF EXISTS "gateway" CASCADE'))
    await engine.dispose()


@pytest.fixture
async def start_gateway() -> AsyncIterator[StartGateway]:
    """``async with start_gateway(settings) as gateway``: the service as ``runagents serve`` would host it."""
    async with AsyncExitStack() as cleanups:

        @asynccontextmanager
        async def start(settings: GatewaySettings) -> AsyncIterator[Gateway]:
            if settings.mode == "distributed":
                # One session database is shared by the tests: each starts from an empty schema.
                await _drop_gateway_schema(settings)
                cleanups.push_async_callback(_drop_gateway_schema, settings)
            component = create_component(settings)
            bus = InMemoryBus()
            app = create_host_app(ServiceHost([component], bus, migrate_on_start=True), "gateway test")
            async with serve(app) as url:
                gateway = Gateway(url, component, bus)
                try:
                    yield gateway
                finally:
                    for client in gateway.clients:
                        await client.close()

        yield start


@pytest.fixture
async def gateway(start_gateway: StartGateway, settings: GatewaySettings) -> AsyncIterator[Gateway]:
    async with start_gateway(settings) as running:
        yield running


@pytest.fixture
async def sqlite_gateway(start_gateway: StartGateway, sqlite_settings: GatewaySettings) -> AsyncIterator[Gateway]:
    async with start_gateway(sqlite_settings) as running:
        yield running


@pytest.fixture
async def api(gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=gateway.url, timeout=10) as client:
        yield client


@pytest.fixture
async def sqlite_api(sqlite_gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=sqlite_gateway.url, timeout=10) as client:
        yield client


# --- a fake upstream speaking OpenAI's wire format -------------------------------------------------------


@dataclass
class FakeUpstream:
    """Answers like api.openai.com (shapes recorded from real responses); tests steer it."""

    url: str = ""
    requests: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    failure: tuple[int, dict[str, str], bytes] | None = None
    """(status, headers, body) to answer every request with instead."""
    hold_after_first_chunk: asyncio.Event | None = None
    """When set, a stream pauses after its first content chunk until this event is set."""
    stream_closed: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when a stream the upstream was sending ended, finished or not."""
    error_mid_stream: dict[str, Any] | None = None
    """When set, a stream sends this error event after its first content chunk and stops."""
    omit_stream_usage: bool = False
    """When set, a stream carries no usage even when asked, as servers that ignore ``stream_options`` do."""

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/chat/completions", response_model=None)
        async def chat(request: Request) -> Response:
            body = await request.json()
            self.requests.append((dict(request.headers), body))
            if self.failure:
                status, headers, content = self.failure
                return Response(content, status_code=status, headers=headers, media_type="application/json")
            if body.get("stream"):
                include_usage = (body.get("stream_options") or {}).get("include_usage") is True
                include_usage = include_usage and not self.omit_stream_usage
                return StreamingResponse(self._stream(body, include_usage), media_type="text/event-stream")
            return JSONResponse(_completion(body), headers={"x-request-id": "req_fake123"})

        @app.post("/v1/embeddings", response_model=None)
        async def embeddings(request: Request) -> Response:
            body = await request.json()
            self.requests.append((dict(request.headers), body))
            inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
            data = [{"object": "embedding", "index": i, "embedding": [0.1, 0.2, 0.3]} for i in range(len(inputs))]
            return JSONResponse({"object": "list", "data": data, "model": body["model"],
                                 "usage": {"prompt_tokens": 4 * len(inputs), "total_tokens": 4 * len(inputs)}})

        return app

    async def _stream(self, body: dict[str, Any], include_usage: bool) -> AsyncIterator[bytes]:
        model, tool_call = body["model"], _tool_call_for(body)
        try:
            deltas: list[dict[str, Any]]
            if tool_call is not None:
                arguments = tool_call["function"]["arguments"]
                opening = {**tool_call, "index": 0, "function": {**tool_call["function"], "arguments": ""}}
                deltas = [{"role": "assistant", "content": None, "tool_calls": [opening], "refusal": None}]
                deltas += [{"tool_calls": [{"index": 0, "function": {"arguments": arguments[i:i + 6]}}]}
                           for i in range(0, len(arguments), 6)]
            else:
                deltas = [{"role": "assistant", "content": "", "refusal": None},
                          *({"content": piece} for piece in _reply_pieces(body))]
            for index, delta in enumerate(deltas):
                yield _event(_chunk(model, delta, None, include_usage))
                if index == 1 and self.hold_after_first_chunk is not None:
                    await self.hold_after_first_chunk.wait()
                if index == 1 and self.error_mid_stream is not None:
                    yield _event(self.error_mid_stream)
                    return
            yield _event(_chunk(model, {}, "tool_calls" if tool_call else "stop", include_usage))
            if include_usage:
                yield _event({**_chunk(model, {}, None, False), "choices": [], "usage": _USAGE})
            yield b"data: [DONE]\n\n"
        finally:
            self.stream_closed.set()


_USAGE = {"prompt_tokens": 19, "completion_tokens": 3, "total_tokens": 22,
          "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
          "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                        "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}


def _completion(body: dict[str, Any]) -> dict[str, Any]:
    tool_call = _tool_call_for(body)
    message: dict[str, Any] = {"role": "assistant", "content": "".join(_reply_pieces(body)), "refusal": None,
                               "annotations": []}
    if tool_call is not None:
        message = {**message, "content": None, "tool_calls": [tool_call]}
    return {
        "id": "chatcmpl-AbCdEf123", "object": "chat.completion", "created": 1732000000, "model": body["model"],
        "choices": [{"index": 0, "message": message, "logprobs": None,
                     "finish_reason": "tool_calls" if tool_call else "stop"}],
        "usage": _USAGE, "service_tier": "default", "system_fingerprint": "fp_0ba0d124f1",
    }


def _tool_call_for(body: dict[str, Any]) -> dict[str, Any] | None:
    """Like a real model: offered tools and a user message last, it calls the first tool with the message."""
    messages, tools = body.get("messages") or [], body.get("tools") or []
    if not tools or not messages or messages[-1].get("role") != "user" or body.get("tool_choice") == "none":
        return None
    arguments = json.dumps({"message": messages[-1]["content"]})
    return {"id": "call_Qm3Xv8Zb2Lk9", "type": "function",
            "function": {"name": tools[0]["function"]["name"], "arguments": arguments}}


def _reply_pieces(body: dict[str, Any]) -> list[str]:
    """"Hello from upstream", or after tool results what the tools returned."""
    messages = body.get("messages") or []
    if messages and messages[-1].get("role") == "tool":
        return ["Tools", " returned", f" {messages[-1]['content']}"]
    return ["Hello", " from", " upstream"]


def _chunk(model: str, delta: dict[str, Any], finish_reason: str | None, include_usage: bool) -> dict[str, Any]:
    chunk: dict[str, Any] = {
        "id": "chatcmpl-AbCdEf123", "object": "chat.completion.chunk", "created": 1732000000, "model": model,
        "service_tier": "default", "system_fingerprint": "fp_0ba0d124f1",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
    }
    if include_usage:
        chunk["usage"] = None
    return chunk


def _event(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()


@pytest.fixture
async def upstream() -> AsyncIterator[FakeUpstream]:
    fake = FakeUpstream()
    async with serve(fake.app()) as url:
        fake.url = url
        yield fake


RegisterProvider = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def register_provider() -> RegisterProvider:
    """``await register_provider(gateway, name=..., kind=..., ...)``: POST a provider, expecting 201."""

    async def register(gateway: Gateway, **provider: Any) -> dict[str, Any]:
        async with httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=gateway.url) as client:
            response = await client.post("/api/v1/model-providers", json=provider)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    return register


@pytest.fixture
async def relayed(sqlite_gateway: Gateway, upstream: FakeUpstream, register_provider: RegisterProvider) -> Gateway:
    """The gateway with an openai-compatible provider ``local`` in front of the fake upstream."""
    await register_provider(sqlite_gateway, name="local", kind="openai-compatible", base_url=f"{upstream.url}/v1",
                            api_key=UPSTREAM_KEY, models=[{"name": "gpt-4o-mini"},
                                                          {"name": "text-embedding-3-small", "role": "embedding"}])
    return sqlite_gateway
