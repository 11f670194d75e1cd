"""The runtime's HTTP routes: health, readiness and invoke (plain and streamed)."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from runagents_runtime.agent_process import AgentProcess, LoadState, ProcessAgent
from runagents_runtime.config import RuntimeConfig
from runagents_runtime.events import Agent, AgentAnswer, ChatMessage
from runagents_runtime.outbound_http import TRANSPORT_ERRORS, OutboundHttp
from runagents_runtime.problems import (
    PROBLEM_MEDIA_TYPE,
    GatewayNotConfigured,
    GatewayNotReady,
    InvokeKeyRefused,
    RuntimeProblem,
    UserCodeNotLoaded,
)
from runagents_runtime.propagation import INVOKE_KEY_HEADER, current_propagation, outbound_headers
from runagents_runtime.schemas import HealthResponse, InvokeRequest, InvokeResponse, ReadyResponse, UserCodeHealth
from runagents_runtime.sse import DONE_FRAME, error_payload, event_payload, sse_frame

logger = logging.getLogger(__name__)

READINESS_TIMEOUT = aiohttp.ClientTimeout(total=5.0)
_PROBLEM_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"content": {PROBLEM_MEDIA_TYPE: {}}, "description": "problem details (RFC 9457)"}
    for status in (401, 422, 500, 502, 503)
}


@dataclass(frozen=True)
class Runtime:
    """What the routes serve with: the settings, the shared HTTP session and the agent that answers."""

    config: RuntimeConfig
    http: OutboundHttp
    tool_loop: Agent | None
    agent_process: AgentProcess | None
    """Tier 2: the process running the agent's code; None for the built-in loop."""

    def agent(self) -> Agent:
        """Return the agent that answers requests, or raise the problem that prevents it."""
        if self.agent_process is not None:
            agent = ProcessAgent(self.config, self.agent_process)
            agent.check()
            return agent
        if self.tool_loop is None:
            raise GatewayNotConfigured("LLM_GATEWAY_URL is not set, so the built-in loop cannot reach a model")
        return self.tool_loop

    def check_loaded(self) -> None:
        """Raise UserCodeNotLoaded unless the agent's code (if any) is loaded and its process alive."""
        process = self.agent_process
        if process is None or process.state is LoadState.LOADED:
            return
        if process.state is LoadState.LOADING:
            raise UserCodeNotLoaded(f"USER_ENTRY_POINT {process.entry.file!r} is still loading")
        if process.state is LoadState.FAILED:
            raise UserCodeNotLoaded(f"USER_ENTRY_POINT {process.entry.file!r} failed to load: {process.error}")
        raise UserCodeNotLoaded(f"the agent's process ended: {process.error}")

    def health(self) -> HealthResponse:
        """Return the health body; degraded when the agent's code failed to load or its process ended."""
        process = self.agent_process
        broken = process is not None and process.state in (LoadState.FAILED, LoadState.ENDED)
        return HealthResponse(
            status="degraded" if broken else "ok",
            agent=self.config.agent_name,
            deployment=self.config.deployment_id,
            model=self.config.model,
            tools=len(self.config.tool_names),
            user_code=UserCodeHealth(
                entry_point=self.config.user_entry_point,
                loaded=process is not None and process.state is LoadState.LOADED,
                error=process.error if process else None,
                adapter=process.adapter if process else None,
                target=process.target if process else None,
            ),
        )


def build_router(runtime: Runtime) -> APIRouter:
    """Return the runtime's routes bound to `runtime`."""
    router = APIRouter(responses=_PROBLEM_RESPONSES)
    expected_key = runtime.config.invoke_key.encode() if runtime.config.invoke_key else None

    async def from_the_platform(request: Request) -> None:
        """Only the platform's front door, which holds the deployment's invoke key, may invoke the agent."""
        if expected_key is None:
            return
        presented = request.headers.get(INVOKE_KEY_HEADER, "").encode()
        if not hmac.compare_digest(presented, expected_key):
            raise InvokeKeyRefused(
                f"this agent is invoked through the platform only; the request has "
                f"{'a wrong' if presented else 'no'} {INVOKE_KEY_HEADER} header"
            )

    from_platform = [Depends(from_the_platform)]

    @router.get("/", response_model=HealthResponse)
    @router.get("/healthz", response_model=HealthResponse)
    async def health() -> HealthResponse:
        return runtime.health()

    @router.get("/readyz", response_model=ReadyResponse)
    async def ready() -> ReadyResponse:
        runtime.check_loaded()
        url = runtime.config.llm_gateway_health_url
        if url is None:
            raise GatewayNotReady("LLM_GATEWAY_URL is not set, so there is no gateway to check")
        try:
            async with runtime.http.session.get(url, timeout=READINESS_TIMEOUT, headers=outbound_headers()) as response:
                status = response.status
                await response.read()
        except TRANSPORT_ERRORS as exc:
            raise GatewayNotReady(f"LLM gateway health check {url} failed: {type(exc).__name__}: {exc}") from exc
        if not 200 <= status < 300:
            raise GatewayNotReady(f"LLM gateway health check {url} answered HTTP {status}")
        return ReadyResponse(status="ready", gateway=url)

    @router.post("/invoke", response_model=InvokeResponse, dependencies=from_platform)
    async def invoke(body: InvokeRequest) -> InvokeResponse:
        agent = runtime.agent()
        started = time.monotonic()
        answer: AgentAnswer | None = None
        async for event in agent.run(body.message, body.chat_history(), stream=False):
            if isinstance(event, AgentAnswer):
                answer = event
        assert answer is not None, "an agent always ends with an AgentAnswer"
        return InvokeResponse.from_answer(answer, duration_ms=_elapsed_ms(started), request_id=_request_id(),
                                          calls=_call_counts())

    @router.post("/invoke/stream", response_class=StreamingResponse, dependencies=from_platform)
    async def invoke_stream(body: InvokeRequest) -> StreamingResponse:
        agent = runtime.agent()  # raises before the stream starts, so the caller gets a real status
        return StreamingResponse(
            _event_stream(agent, body.message, body.chat_history()),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return router


async def _event_stream(agent: Agent, message: str, history: list[ChatMessage]) -> AsyncIterator[str]:
    """Yield SSE frames for one turn. A client disconnect cancels this generator and the work in it."""
    started = time.monotonic()
    request_id = _request_id()
    try:
        async for event in agent.run(message, history, stream=True):
            payload = event_payload(event, request_id=request_id, duration_ms=_elapsed_ms(started))
            if payload["type"] == "done":
                payload["calls"] = _call_counts()
            yield sse_frame(payload)
    except RuntimeProblem as problem:
        yield sse_frame(error_payload(problem.status, problem.title, problem.detail, problem_type=problem.type_uri))
    except Exception as exc:
        # The 200 and earlier events are already sent; report the failure in-band, log the traceback.
        logger.exception("invoke stream failed")
        yield sse_frame(error_payload(500, "Internal error", f"Unexpected {type(exc).__name__} in the agent runtime"))
    yield DONE_FRAME


def _request_id() -> str:
    propagation = current_propagation()
    assert propagation is not None, "PropagationMiddleware sets the run identity for every request"
    return propagation.request_id


def _call_counts() -> dict[str, int]:
    """The outbound calls the current request numbered so far, by kind."""
    propagation = current_propagation()
    assert propagation is not None, "PropagationMiddleware sets the run identity for every request"
    return propagation.steps.counts()


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
