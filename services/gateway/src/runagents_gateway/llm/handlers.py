"""What every /llm route shares: failures answered in the client's own wire format, and the call
a handler began recorded whatever its outcome."""

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import Response, StreamingResponse

from runagents_common.direct_routes import DirectRoute
from runagents_common.errors import RunAgentsError
from runagents_common.service import ServiceComponent, component
from runagents_gateway.llm.calls import LlmCall
from runagents_gateway.llm.errors import LlmError

log = logging.getLogger("runagents.gateway.llm")


class LlmRoute(DirectRoute):
    """Answers every failure in OpenAI's error format (never a stack trace) and records the
    call a handler began, whatever its outcome. Subclasses answer in another wire's format.

    Its endpoints take the request alone and are awaited directly, and after the first request to
    a path FastAPI's router is not walked again (runagents_common.direct_routes): dependency solving,
    exit stacks and routing stay off the gateway's hottest path.
    """

    def render_error(self, error: LlmError) -> Response:
        return error.response()

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint: Callable[[Request], Awaitable[Response | dict[str, Any]]] = self.endpoint

        async def guarded(request: Request) -> Response:
            try:
                answer = await endpoint(request)
                response = answer if isinstance(answer, Response) else JSONResponse(answer)
            except LlmError as exc:
                response = self.render_error(exc)
            except RunAgentsError as exc:
                response = self.render_error(LlmError(exc.status, exc.detail, code=exc.code, headers=exc.headers))
            except HTTPException as exc:
                response = self.render_error(LlmError(exc.status_code, str(exc.detail), headers=exc.headers))
            except Exception:
                log.exception("unexpected error on %s %s", request.method, request.url.path)
                response = self.render_error(
                    LlmError(500, "The gateway failed to handle this request.", code="internal_error"))
            call: LlmCall | None = getattr(request.state, "llm_call", None)
            if call is not None:
                call.status = response.status_code
                if not isinstance(response, StreamingResponse):
                    call.mark_finished()  # a stream marks its own end, after its last chunk
                gateway_of(request).context.usage.after(response, call)
            return response

        return guarded


def gateway_of(request: Request) -> ServiceComponent:
    return component(request, "gateway")


async def begin_call(request: Request) -> tuple[LlmCall, ServiceComponent]:
    """The model call this request makes, once its caller is known and within its limits; it is
    recorded when its response is sent. A call refused here is not recorded."""
    gateway = gateway_of(request)
    call = await identified_call(request, gateway)
    if call.grant is not None:
        gateway.context.limits.admit(call.grant)
    request.state.llm_call = call
    return call, gateway


async def identified_call(request: Request, gateway: ServiceComponent) -> LlmCall:
    """A call from the agent whose key the request presents; a 401 when the gateway needs one and
    this is none."""
    call = LlmCall.from_headers(request.headers)
    context = gateway.context
    key = presented_key(request.headers)
    grant = await context.grants.grant_for(key) if key else None
    if grant is not None:
        call.grant, call.agent = grant, grant.agent
    elif context.settings.require_agent_key:
        if key:
            raise LlmError(401, "This key is not a gateway key of a deployed agent, or it was revoked.",
                           code="invalid_api_key")
        raise LlmError(401, "No API key: the gateway answers deployed agents, which present the key the "
                       "platform gave them (OPENAI_API_KEY / ANTHROPIC_API_KEY).", code="missing_api_key")
    return call


def presented_key(headers: Headers) -> str | None:
    """The key as OpenAI (Authorization: Bearer), Anthropic (x-api-key) and Azure (api-key) clients send it."""
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            return credentials.strip()
    return headers.get("x-api-key") or headers.get("api-key") or None
