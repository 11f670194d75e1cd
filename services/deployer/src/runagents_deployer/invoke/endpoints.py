"""The platform's front door to an agent: POST /api/v1/agents/{name}/invoke and /invoke/stream."""

import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import quote

import httpx
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.background import BackgroundTask

from runagents_common.auth import CALLERS_OF_THE_AGENT
from runagents_common.db import utcnow
from runagents_common.errors import BadGateway, Conflict, problem_response
from runagents_common.run_wire import INVOKE_KEY_HEADER, RUN_ID_HEADER
from runagents_common.service import ServiceComponent, component
from runagents_common.telemetry import current_trace_headers, current_trace_id
from runagents_deployer.agents import service
from runagents_deployer.agents.gateway_keys import agent_invoke_key
from runagents_deployer.agents.schemas import InvokeRequest
from runagents_deployer.context import DeployerContext, deployer_context
from runagents_deployer.identity_providers import service as identity_providers
from runagents_deployer.identity_providers.keys import TrustedProvider
from runagents_deployer.invoke.recorder import RunRecorder
from runagents_deployer.invoke.usage import with_gateway_usage

log = logging.getLogger("runagents.deployer.invoke")

ContextDep = Annotated[DeployerContext, Depends(deployer_context)]
router = APIRouter(prefix="/api/v1/agents", tags=["invoke"])
ANONYMOUS = "anonymous"
USER_HEADER = "X-RunAgents-User"
"""The verified caller of an agent with authenticated access, as the agent receives it."""
USER_HEADER_SAFE = "@.:+-_~!$&'()*,;=/"
_PROBLEM: dict[str, Any] = {"application/problem+json": {}}
AUTHENTICATED_ACCESS_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Authenticated access: no bearer token, or one the agent's identity provider did not "
                         "sign for it (WWW-Authenticate says why); no run is started", "content": _PROBLEM},
    503: {"description": "Authenticated access: the identity provider's signing keys cannot be fetched",
          "content": _PROBLEM},
}


async def _prepare(request: Request, name: str, body: InvokeRequest, streaming: bool,
                   context: DeployerContext) -> tuple[str, str, RunRecorder]:
    """Who calls, and where the agent answers; the run starts only once both are known."""
    deployer: ServiceComponent = component(request, "deployer")
    async with deployer.database.session() as session:
        agent = await service.get_agent(session, name)
        status, endpoint, message = agent.status, agent.endpoint, agent.message
        invoke_key = agent_invoke_key(context.key_secret, name, agent.deployment_id or "")
        trusts: str | None = None
        provider: TrustedProvider | None = None
        if (agent.access or {}).get("mode") == "authenticated":
            trusts = str(agent.access.get("identity_provider") or "")
            provider = await identity_providers.trusted(session, trusts)
    user = ANONYMOUS
    if trusts is not None:  # verified outside the unit of work: it may fetch the provider's keys
        user = await context.tokens.caller(request.headers.get("authorization"), name, trusts, provider)
    if status != "Running" or not endpoint:
        raise Conflict(f"agent {name!r} is {status}, not Running" + (f": {message}" if message else ""))
    recorder = RunRecorder(deployer.database, deployer.outbox, name, user, current_trace_id() or "",
                           verified=trusts is not None)
    await recorder.started(body.message, streaming)
    return endpoint, invoke_key, recorder


def _headers(request: Request, recorder: RunRecorder, invoke_key: str) -> dict[str, str]:
    headers = current_trace_headers()
    headers[INVOKE_KEY_HEADER] = invoke_key
    headers[RUN_ID_HEADER] = recorder.run_id
    headers["X-Request-Id"] = request.headers.get("x-request-id") or recorder.run_id
    if recorder.verified:
        # Percent-encoded UTF-8: a claim may hold any character, a header value only visible ASCII.
        headers[USER_HEADER] = quote(recorder.user, safe=USER_HEADER_SAFE)
    return headers


@router.post("/{name}/invoke", dependencies=CALLERS_OF_THE_AGENT,
             response_model=None, responses=AUTHENTICATED_ACCESS_RESPONSES)
async def invoke(name: str, body: InvokeRequest, request: Request, context: ContextDep) -> JSONResponse:
    endpoint, invoke_key, recorder = await _prepare(request, name, body, streaming=False, context=context)
    try:
        answer = await context.agents_http.post(f"{endpoint}/invoke", json=body.model_dump(),
                                                headers=_headers(request, recorder, invoke_key))
    except httpx.HTTPError as exc:
        await recorder.failed(f"the agent did not answer: {type(exc).__name__}")
        raise BadGateway(f"agent {name!r} did not answer ({type(exc).__name__})", run_id=recorder.run_id) from exc
    answered_at = utcnow()
    result = _json(answer)
    if answer.status_code != 200 or not isinstance(result, dict):
        detail = result.get("detail") if isinstance(result, dict) else None
        error = str(detail or f"the agent answered {answer.status_code}")
        await recorder.failed(error)
        if answer.status_code == 500:
            # The agent's own error names its files and values: the run's timeline and the log keep it.
            log.warning("agent %r failed run %s: %s", name, recorder.run_id, error)
            error = (f"agent {name!r} failed handling the request (run {recorder.run_id}); its error is in the "
                     f"run's timeline: GET /api/v1/runs/{recorder.run_id}")
        return problem_response(502 if answer.status_code < 400 else answer.status_code, "Agent error", error,
                                "agent_error", run_id=recorder.run_id)
    result = await with_gateway_usage(context.usage, recorder.run_id, result)
    # Recorded after the response is sent: the run's end is not on the caller's critical path. It
    # ends when the agent answered, whenever the event is written.
    return JSONResponse({**result, "run_id": recorder.run_id},
                        background=BackgroundTask(recorder.succeeded, result, answered_at))


@router.post("/{name}/invoke/stream", dependencies=CALLERS_OF_THE_AGENT,
             response_model=None, responses=AUTHENTICATED_ACCESS_RESPONSES)
async def invoke_stream(name: str, body: InvokeRequest, request: Request, context: ContextDep) -> StreamingResponse:
    endpoint, invoke_key, recorder = await _prepare(request, name, body, streaming=True, context=context)
    headers = _headers(request, recorder, invoke_key)

    async def relay() -> AsyncIterator[bytes]:
        done: dict[str, Any] | None = None
        answered_at = None
        content: list[str] = []
        error: str | None = None
        ended = False
        try:
            async with context.agents_http.stream("POST", f"{endpoint}/invoke/stream", json=body.model_dump(),
                                                  headers=headers) as answer:
                if answer.status_code != 200:
                    problem = _json_bytes(await answer.aread())
                    error, event = _refused_stream(name, answer.status_code, problem, recorder.run_id)
                    yield _sse(event)
                lines = answer.aiter_lines() if answer.status_code == 200 else _no_lines()
                async for line in lines:
                    if line.strip() == "data: [DONE]":
                        ended = True
                    event = _sse_data(line)
                    if isinstance(event, dict):
                        if event.get("type") == "content":
                            content.append(str(event.get("delta", "")))
                        elif event.get("type") == "done":
                            answered_at = utcnow()
                            done = await with_gateway_usage(context.usage, recorder.run_id,
                                                            {**event, "run_id": recorder.run_id})
                            yield _sse(done)
                            continue
                        elif event.get("type") == "error":
                            error = str(event.get("detail") or event.get("error") or "agent error")
                            yield _sse({**event, "run_id": recorder.run_id})
                            continue
                    yield (line + "\n").encode()
        except httpx.HTTPError as exc:
            error = f"the agent did not answer: {type(exc).__name__}"
            yield _sse({"type": "error", "status": 502, "title": "Bad gateway",
                        "detail": f"agent {name!r} did not answer ({type(exc).__name__})", "error": error,
                        "run_id": recorder.run_id})
        finally:
            if done is not None and error is None:
                await recorder.succeeded({**done, "response": "".join(content)}, answered_at)
            else:
                await recorder.failed(error or "the stream ended before the agent finished")
        if not ended:
            # Every stream ends with [DONE], a failed one too: clients stop reading there.
            yield b"data: [DONE]\n\n"

    return StreamingResponse(relay(), media_type="text/event-stream",
                             headers={RUN_ID_HEADER: recorder.run_id, "Cache-Control": "no-cache"})


async def _no_lines() -> AsyncIterator[str]:
    return
    yield  # an async generator that yields nothing


def _refused_stream(name: str, status: int, problem: Any, run_id: str) -> tuple[str, dict[str, Any]]:
    """The error event of a stream the agent's runtime refused before starting it (its problem detail; a
    500's detail, which names the server's files, is in the run's timeline as for /invoke)."""
    detail = problem.get("detail") if isinstance(problem, dict) else None
    error = str(detail or f"the agent answered {status}")
    shown = error
    if status == 500:
        log.warning("agent %r failed run %s: %s", name, run_id, error)
        shown = (f"agent {name!r} failed handling the request (run {run_id}); its error is in the run's timeline: "
                 f"GET /api/v1/runs/{run_id}")
    title = problem.get("title") if isinstance(problem, dict) else None
    return error, {"type": "error", "status": status if status >= 400 else 502, "title": title or "Agent error",
                   "detail": shown, "error": shown, "run_id": run_id}


def _json_bytes(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return None


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _sse_data(line: str) -> Any:
    if not line.startswith("data:"):
        return None
    payload = line[5:].strip()
    if payload == "[DONE]":
        return None
    try:
        return json.loads(payload)
    except ValueError:
        return None


def _sse(event: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(event)}\n\n".encode()
