"""The runtime's ASGI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runagents_runtime.config import RuntimeConfig
from runagents_runtime.endpoints import Runtime, build_router
from runagents_runtime.llm_gateway import LLMGateway
from runagents_runtime.loop import ToolLoop
from runagents_runtime.outbound_http import OutboundHttp
from runagents_runtime.outbound_tracing import in_flight_runs
from runagents_runtime.problems import install_problem_handlers
from runagents_runtime.propagation import REQUEST_ID_HEADER, propagating, propagation_from_headers
from runagents_runtime.tool_calls import ToolExecutor
from runagents_runtime.user_code import load_user_code

INVOKE_PATH = "/invoke"


class PropagationMiddleware:
    """Makes each request's run identity current while it is served, and echoes X-Request-Id."""

    def __init__(self, app: ASGIApp, *, agent_name: str, agent_token: str | None) -> None:
        self.app = app
        self.agent_name = agent_name
        self.agent_token = agent_token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        run = propagation_from_headers(Headers(scope=scope), agent_name=self.agent_name, agent_token=self.agent_token)

        async def send_with_request_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = run.request_id
            await send(message)

        with propagating(run):
            if scope["path"].startswith(INVOKE_PATH):
                with in_flight_runs.tracking(run):
                    await self.app(scope, receive, send_with_request_id)
            else:
                await self.app(scope, receive, send_with_request_id)


def create_app(config: RuntimeConfig, *, cwd: Path | None = None) -> FastAPI:
    """Build the runtime app: load the agent's code (Tier 2) or wire the built-in loop (Tier 1).

    `cwd` is where USER_ENTRY_POINT is looked up (default: the working directory). The outbound
    HTTP session opens with the app's lifespan.
    """
    http = OutboundHttp()
    user_code = load_user_code(config.user_entry_point, cwd) if config.user_entry_point else None
    tool_loop = (
        ToolLoop(config, LLMGateway(http, config.llm_gateway_url), ToolExecutor(http, config))
        if config.llm_gateway_url
        else None
    )
    runtime = Runtime(
        config=config,
        http=http,
        tool_loop=tool_loop,
        user_code=user_code,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with http.running():
            yield

    app = FastAPI(title=f"RunAgents runtime: {config.agent_name}", lifespan=lifespan)
    install_problem_handlers(app)
    app.include_router(build_router(runtime))
    app.add_middleware(PropagationMiddleware, agent_name=config.agent_name, agent_token=config.agent_token)
    return app
