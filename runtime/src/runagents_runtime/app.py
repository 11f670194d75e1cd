"""The runtime's ASGI application."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runagents_runtime.agent_process import AgentProcess, EntryEnvironment, child_environment
from runagents_runtime.config import RuntimeConfig
from runagents_runtime.endpoints import Runtime, build_router
from runagents_runtime.llm_gateway import LLMGateway
from runagents_runtime.loop import ToolLoop
from runagents_runtime.outbound_http import OutboundHttp
from runagents_runtime.problems import install_problem_handlers
from runagents_runtime.propagation import REQUEST_ID_HEADER, propagating, propagation_from_headers
from runagents_runtime.tool_calls import ToolExecutor


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
            await self.app(scope, receive, send_with_request_id)


def create_app(config: RuntimeConfig, *, cwd: Path | None = None, environ: Mapping[str, str] | None = None,
               on_agent_exit: Callable[[str], None] | None = None) -> FastAPI:
    """Build the runtime app: the agent's code in its own process (Tier 2) or the built-in loop (Tier 1).

    `cwd` is the upload's root, where the agent's process runs (default: the working directory);
    `environ` the environment its process gets, less the invoke key, plus the SDK variables (default:
    this process's). `on_agent_exit(reason)` is called if that process ends while the app serves. The
    agent's process and the outbound HTTP session start with the app's lifespan.
    """
    http = OutboundHttp()
    agent_process = None
    if config.user_entry_point:
        entry = EntryEnvironment(config.user_entry_point, config.user_entry_adapter, config.user_entry_target,
                                 config.user_entry_module)
        agent_process = AgentProcess(
            entry, python=config.agent_python or sys.executable, cwd=(cwd or Path.cwd()).resolve(),
            environ=child_environment(config, os.environ if environ is None else environ), on_exit=on_agent_exit,
        )
    tool_loop = (
        ToolLoop(config, LLMGateway(http, config.llm_gateway_url), ToolExecutor(http, config))
        if config.llm_gateway_url
        else None
    )
    runtime = Runtime(config=config, http=http, tool_loop=tool_loop, agent_process=agent_process)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(http.running())
            if agent_process is not None:
                stack.push_async_callback(agent_process.stop)
                await agent_process.start()
            yield

    app = FastAPI(title=f"RunAgents runtime: {config.agent_name}", lifespan=lifespan)
    app.state.agent_process = agent_process
    install_problem_handlers(app)
    app.include_router(build_router(runtime))
    app.add_middleware(PropagationMiddleware, agent_name=config.agent_name, agent_token=config.agent_token)
    return app
