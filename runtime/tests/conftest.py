"""Fakes for the runtime's upstreams: an OpenAI-wire LLM gateway and a tool server.

Both are Starlette apps served by uvicorn in the test's own event loop on loopback sockets, so
the runtime's real HTTP session, connection pool and concurrency are exercised end to end.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from runagents_runtime.app import create_app
from runagents_runtime.config import load_config
from runtime.tests.header_recorder import HeaderRecorder, recording_headers

GATEWAY_PATH = "/llm/v1/chat/completions"
AGENT_TOKEN = "agent-token-for-tests"
USAGE_PER_CALL = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


def _function(name: str, description: str) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": {"type": "object", "properties": {}}},
    }


ROUTES = {
    "echo__echo": {"tool": "echo-tool", "method": "POST", "path": "/echo"},
    "echo__get_item": {"tool": "echo-tool", "method": "GET", "path": "/items/{item_id}"},
    "echo__slow": {"tool": "echo-tool", "method": "POST", "path": "/slow"},
    "echo__guarded": {"tool": "echo-tool", "method": "POST", "path": "/guarded"},
    "echo__hang": {"tool": "echo-tool", "method": "POST", "path": "/hang"},
    "echo__login": {"tool": "echo-tool", "method": "POST", "path": "/login"},
}


def runtime_env(gateway_url: str, tools_url: str) -> dict[str, str]:
    """The environment of a Tier 1 test agent whose gateway and tool are served at these URLs."""
    return {
        "AGENT_NAME": "test-agent",
        "SYSTEM_PROMPT": "You are a test agent.",
        "LLM_GATEWAY_URL": gateway_url + GATEWAY_PATH,
        "LLM_MODEL": "gpt-4o-mini",
        "LLM_PROVIDER": "openai",
        "LLM_PROVIDER_NAME": "playground",
        "TOOL_NAMES": "echo-tool",
        "TOOL_URL_ECHO_TOOL": tools_url,
        "TOOL_DEFINITIONS_JSON": json.dumps([_function(name, f"calls {name}") for name in ROUTES]),
        "TOOL_ROUTES_JSON": json.dumps(ROUTES),
        "RUNAGENTS_AGENT_TOKEN": AGENT_TOKEN,
    }


def text_reply(text: str) -> dict[str, Any]:
    """An assistant message with a final answer."""
    return {"role": "assistant", "content": text}


def tool_reply(*calls: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """An assistant message asking for one or more function calls."""
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": f"call_{index}", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
            for index, (name, args) in enumerate(calls)
        ],
    }


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


async def _record(request: Request) -> Recorded:
    raw = await request.body()
    return Recorded(
        method=request.method,
        path=request.url.path,
        query=dict(request.query_params),
        body=json.loads(raw) if raw else None,
        headers=dict(request.headers),
    )


class FakeGateway:
    """Answers chat completions from a script of assistant messages; the last one repeats."""

    def __init__(self) -> None:
        self.url = ""  # http://127.0.0.1:<port>, set once served
        self.script: list[dict[str, Any]] = [text_reply("default answer")]
        self.requests: list[Recorded] = []
        self.streaming_supported = True
        self.status_code = 200
        self.app = Starlette(
            routes=[
                Route("/llm/v1/chat/completions", self.chat, methods=["POST"]),
                Route("/llm/healthz", self.health),
            ]
        )

    text_reply = staticmethod(text_reply)
    tool_reply = staticmethod(tool_reply)

    def reply_with(self, *messages: dict[str, Any]) -> None:
        self.script = list(messages)

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def chat(self, request: Request) -> Response:
        recorded = await _record(request)
        self.requests.append(recorded)
        if self.status_code != 200:
            return JSONResponse({"error": {"message": "upstream exploded"}}, status_code=self.status_code)
        message = self.script[min(len(self.requests) - 1, len(self.script) - 1)]
        model = recorded.body["model"]
        if recorded.body.get("stream") and self.streaming_supported:
            return StreamingResponse(self._chunks(message, model), media_type="text/event-stream")
        finish = "tool_calls" if message.get("tool_calls") else "stop"
        return JSONResponse(
            {
                "id": f"chatcmpl-{uuid.uuid4().hex}",
                "object": "chat.completion",
                "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": USAGE_PER_CALL,
            }
        )

    async def _chunks(self, message: dict[str, Any], model: str) -> AsyncIterator[str]:
        """The OpenAI streaming wire format: content split over chunks, tool-call arguments too."""

        def chunk(delta: dict[str, Any], finish: str | None = None, usage: Any = None) -> str:
            choices = [] if usage else [{"index": 0, "delta": delta, "finish_reason": finish}]
            body = {"id": "chatcmpl-x", "object": "chat.completion.chunk", "model": model, "choices": choices}
            if usage:
                body["usage"] = usage
            return f"data: {json.dumps(body)}\n\n"

        yield chunk({"role": "assistant", "content": ""})
        content = message.get("content") or ""
        middle = len(content) // 2
        for piece in (content[:middle], content[middle:]):
            if piece:
                yield chunk({"content": piece})
        for index, call in enumerate(message.get("tool_calls") or []):
            arguments = call["function"]["arguments"]
            head = {"index": index, "id": call["id"], "type": "function"}
            yield chunk({"tool_calls": [{**head, "function": {"name": call["function"]["name"], "arguments": ""}}]})
            for piece in (arguments[:3], arguments[3:]):
                yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
        yield chunk({}, finish="tool_calls" if message.get("tool_calls") else "stop")
        yield chunk({}, usage=USAGE_PER_CALL)
        yield "data: [DONE]\n\n"


class FakeTools:
    """A tool server: echo, a path/query route, a concurrency probe, an approval gate, a hang and a cookie."""

    def __init__(self) -> None:
        self.url = ""  # http://127.0.0.1:<port>, set once served
        self.requests: list[Recorded] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.both_in_flight = asyncio.Event()
        self.hang_started = asyncio.Event()
        self.hang_cancelled = asyncio.Event()
        self.app = Starlette(
            routes=[
                Route("/echo", self.echo, methods=["POST"]),
                Route("/items/{item_id}", self.item, methods=["GET"]),
                Route("/slow", self.slow, methods=["POST"]),
                Route("/guarded", self.guarded, methods=["POST"]),
                Route("/hang", self.hang, methods=["POST"]),
                Route("/login", self.login, methods=["POST"]),
            ]
        )

    async def echo(self, request: Request) -> Response:
        recorded = await _record(request)
        self.requests.append(recorded)
        return JSONResponse({"echo": recorded.body})

    async def item(self, request: Request) -> Response:
        recorded = await _record(request)
        self.requests.append(recorded)
        return JSONResponse({"item": request.path_params["item_id"], "query": recorded.query})

    async def slow(self, request: Request) -> Response:
        self.requests.append(await _record(request))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        if self.in_flight >= 2:
            self.both_in_flight.set()
        try:
            # Sequential execution would leave this waiting for a partner that never comes.
            await asyncio.wait_for(self.both_in_flight.wait(), timeout=1.0)
        except TimeoutError:
            pass
        finally:
            self.in_flight -= 1
        return JSONResponse({"slow": "done"})

    async def guarded(self, request: Request) -> Response:
        self.requests.append(await _record(request))
        return JSONResponse(
            {"code": "APPROVAL_REQUIRED", "message": "a human must approve this call", "approval_id": "ap-1"},
            status_code=403,
        )

    async def login(self, request: Request) -> Response:
        self.requests.append(await _record(request))
        response = JSONResponse({"logged_in": True})
        response.set_cookie("tool_session", "secret-of-this-run")
        return response

    async def hang(self, request: Request) -> Response:
        self.requests.append(await _record(request))
        self.hang_started.set()
        # Never answers. Over a socket, a caller that gives up shows as the connection closing.
        while (await request.receive())["type"] != "http.disconnect":
            pass
        self.hang_cancelled.set()
        return Response(status_code=500)


@asynccontextmanager
async def serving(*apps: Any) -> AsyncIterator[list[str]]:
    """Serve each ASGI app with uvicorn on its own loopback port; yield their base URLs."""
    servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []
    urls = []
    try:
        for app in apps:
            # Bound and listening before uvicorn starts, so no request can race its start-up.
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sock.listen(128)
            config = uvicorn.Config(app, lifespan="off", log_level="warning", timeout_graceful_shutdown=5)
            server = uvicorn.Server(config)
            servers.append((server, asyncio.create_task(server.serve(sockets=[sock]))))
            urls.append(f"http://127.0.0.1:{sock.getsockname()[1]}")
        yield urls
    finally:
        for server, _ in servers:
            server.should_exit = True
        await asyncio.gather(*(task for _, task in servers))


@pytest.fixture
async def upstreams() -> AsyncIterator[tuple[FakeGateway, FakeTools]]:
    """The fake gateway and tool server, each listening on a loopback port for the test's duration."""
    gateway, tools = FakeGateway(), FakeTools()
    async with serving(gateway.app, tools.app) as urls:
        gateway.url, tools.url = urls
        yield gateway, tools


@pytest.fixture
def gateway(upstreams: tuple[FakeGateway, FakeTools]) -> FakeGateway:
    return upstreams[0]


@pytest.fixture
def tools(upstreams: tuple[FakeGateway, FakeTools]) -> FakeTools:
    return upstreams[1]


@pytest.fixture
def down_url() -> Iterator[str]:
    """The base URL of a loopback port where nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # held, never listening, so no other test can take the port
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


RuntimeStarter = Callable[..., AbstractAsyncContextManager[Any]]


@pytest.fixture
def base_env(gateway: FakeGateway, tools: FakeTools) -> dict[str, str]:
    return runtime_env(gateway.url, tools.url)


@pytest.fixture
def start_app(base_env: dict[str, str]) -> RuntimeStarter:
    """Start the runtime app (lifespan included) with base_env plus overrides; None removes a variable."""

    @asynccontextmanager
    async def start(env: dict[str, str | None] | None = None, cwd: Path | None = None) -> AsyncIterator[Any]:
        merged = {**base_env, **(env or {})}
        config = load_config({key: value for key, value in merged.items() if value is not None})
        app = create_app(config, cwd=cwd)
        async with LifespanManager(app) as manager:
            yield manager.app

    return start


@pytest.fixture
def start_runtime(start_app: RuntimeStarter) -> RuntimeStarter:
    """Like start_app, but yield an HTTP client of the runtime."""

    @asynccontextmanager
    async def start(
        env: dict[str, str | None] | None = None, cwd: Path | None = None
    ) -> AsyncIterator[httpx.AsyncClient]:
        async with (
            start_app(env, cwd) as app,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runtime.test") as client,
        ):
            yield client

    return start


@pytest.fixture
def recorder() -> Iterator[HeaderRecorder]:
    """A loopback HTTP server recording the headers of the calls an agent's code makes to it."""
    with recording_headers() as server:
        yield server


@pytest.fixture
def agent_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder for Tier 2 agent modules; the modules it creates are forgotten afterwards."""
    modules_before = set(sys.modules)
    path_before = list(sys.path)
    yield tmp_path
    for name in set(sys.modules) - modules_before:
        if getattr(sys.modules[name], "__file__", "") and str(tmp_path) in str(sys.modules[name].__file__):
            del sys.modules[name]
    sys.path[:] = path_before


def sse_events(body: str) -> list[Any]:
    """Parse an SSE body into its data payloads ([DONE] stays a string)."""
    events: list[Any] = []
    for frame in body.split("\n\n"):
        if frame.startswith("data: "):
            data = frame[len("data: ") :]
            events.append(data if data == "[DONE]" else json.loads(data))
    return events


@pytest.fixture
def parse_sse() -> Callable[[str], list[Any]]:
    return sse_events
