"""The egress layer's HTTP entry: agents reach tools at ``/egress/{agent}/{tool}/...``.

Every call is decided (wiring + capabilities), relayed to the tool's base URL when allowed, and
recorded as a ``tool.call.completed.v1`` event after the response is sent.
"""

import time
from datetime import datetime
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, Request, Response
from starlette.background import BackgroundTask

from runagents_common.db.base import utcnow
from runagents_common.errors import (
    BadGateway,
    database_unavailable_response,
    is_database_unavailable,
    problem_response,
)
from runagents_common.events.catalog import ToolCallCompleted
from runagents_common.run_wire import RUN_ID_HEADER, RUN_SEQ_HEADER, run_seq_of
from runagents_common.service import ServiceComponent, component
from runagents_common.telemetry import trace_id_of
from runagents_policy.egress.decision import UnsafePath, decide, tool_path, tool_target
from runagents_policy.grants import repository as grants
from runagents_policy.tools import repository as tools

router = APIRouter(prefix="/egress", tags=["egress"])

RUN_HEADER = RUN_ID_HEADER.lower()
SEQ_HEADER = RUN_SEQ_HEADER.lower()
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-authorization",
              "proxy-authenticate", "trailer", "host", "content-length"}
MAX_BODY_BYTES = 10 * 1024 * 1024


def policy_component(request: Request) -> ServiceComponent:
    return component(request, "policy")


PolicyDep = Annotated[ServiceComponent, Depends(policy_component)]


async def relay(agent: str, tool: str, path: str, request: Request, policy: PolicyDep) -> Response:
    started = time.perf_counter()
    path = "/" + path
    try:  # before matching: the path matched is the path sent, with nothing left to resolve on the way
        path = tool_path(path, request.scope.get("raw_path") or b"")
    except UnsafePath as exc:
        record = _recorder(policy, request, agent, tool, path, started)
        return _deny(400, "TOOL_PATH_REFUSED", str(exc), record)
    record = _recorder(policy, request, agent, tool, path, started)
    try:
        async with policy.database.session() as session:
            registered = await tools.get(session, tool)
            granted = registered is not None and await grants.exists(session, agent, tool)
            capabilities = list(registered.capabilities) if registered else []
            base_url = registered.base_url if registered else ""
    except Exception as exc:
        if not is_database_unavailable(exc):
            raise
        # Not decided, so refused; the attempt is on the run's timeline once the database is back.
        unavailable = database_unavailable_response(request.url.path)
        unavailable.background = BackgroundTask(record, 503, "deny", _moment())
        return unavailable
    if registered is None:
        return _deny(404, "unknown_tool", f"no tool named {tool!r} is registered", record)
    verdict = decide(granted=granted, capabilities=capabilities, method=request.method, path=path,
                     tool=tool, agent=agent)
    if verdict.decision != "allow":
        return _deny(403, "TOOL_ACCESS_DENIED", verdict.reason, record)

    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return _deny(413, "payload_too_large", f"tool call body over {MAX_BODY_BYTES} bytes", record)
    # The platform's own headers (run id, agent name) stay inside the platform.
    headers = {k: v for k, v in request.headers.items()
               if k.lower() not in HOP_BY_HOP and not k.lower().startswith("x-runagents-")}
    client: httpx.AsyncClient = policy.context.http
    try:
        upstream = await client.request(
            request.method, base_url + tool_target(path), params=request.query_params, content=body, headers=headers
        )
    except httpx.HTTPError as exc:
        await record(502, "allow", _moment())
        raise BadGateway(f"tool {tool!r} did not answer: {type(exc).__name__}") from exc
    answered = _moment()
    response_headers = {k: v for k, v in upstream.headers.items()
                        if k.lower() not in HOP_BY_HOP and k.lower() != "content-encoding"}
    return Response(upstream.content, status_code=upstream.status_code, headers=response_headers,
                    background=BackgroundTask(record, upstream.status_code, "allow", answered))


for _method in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"):
    router.add_api_route("/{agent}/{tool}/{path:path}", relay, methods=[_method],
                         operation_id=f"egress_{_method.lower()}", summary=f"Relay a {_method} tool call")


def _deny(status: int, code: str, detail: str, record: Any) -> Response:
    response = problem_response(status, "Tool call refused", detail, code)
    response.background = BackgroundTask(record, status, "deny", _moment())
    return response


def _moment() -> tuple[datetime, float]:
    return utcnow(), time.perf_counter()


def _recorder(policy: ServiceComponent, request: Request, agent: str, tool: str, path: str, started: float) -> Any:
    run_id = request.headers.get(RUN_HEADER)
    seq = run_seq_of(request.headers.get(SEQ_HEADER))
    trace_id = trace_id_of(request.headers.get("traceparent"))
    method = request.method

    async def record(status: int, decision: str, answered: tuple[datetime, float]) -> None:
        """Write the call's event; ``answered`` is when the call was answered or refused (wall clock,
        perf counter), taken before the response was sent: the event is written after."""
        at, finished = answered
        event = ToolCallCompleted(
            run_id=run_id, trace_id=trace_id, agent=agent, tool=tool, method=method, path=path,
            decision=decision, status=status, latency_ms=round((finished - started) * 1000, 3), at=at, seq=seq,
        )
        # After the response was sent: kept and retried while the database is down.
        await policy.outbox.add_until_written(policy.database, event, subject=run_id or agent)

    return record
