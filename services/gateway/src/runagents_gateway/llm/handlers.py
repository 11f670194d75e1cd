"""What every /llm route shares: failures answered in the client's own wire format, and the call
a handler began recorded whatever its outcome."""

import logging
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.responses import Response, StreamingResponse

from runagents_common.errors import RunAgentsError
from runagents_common.service import ServiceComponent, component
from runagents_gateway.llm.calls import LlmCall
from runagents_gateway.llm.errors import LlmError
from runagents_gateway.llm.usage import record_after_response

log = logging.getLogger("runagents.gateway.llm")


class LlmRoute(APIRoute):
    """Answers every failure in OpenAI's error format (never a stack trace) and records the
    call a handler began, whatever its outcome. Subclasses answer in another wire's format."""

    def render_error(self, error: LlmError) -> Response:
        return error.response()

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                response = await handle(request)
            except LlmError as exc:
                response = self.render_error(exc)
            except RunAgentsError as exc:
                response = self.render_error(LlmError(exc.status, exc.detail, code=exc.code))
            except HTTPException as exc:
                response = self.render_error(LlmError(exc.status_code, str(exc.detail)))
            except Exception:
                log.exception("unexpected error on %s %s", request.method, request.url.path)
                response = self.render_error(
                    LlmError(500, "The gateway failed to handle this request.", code="internal_error"))
            call: LlmCall | None = getattr(request.state, "llm_call", None)
            if call is not None:
                call.status = response.status_code
                if not isinstance(response, StreamingResponse):
                    call.mark_finished()  # a stream marks its own end, after its last chunk
                record_after_response(response, component(request, "gateway"), call)
            return response

        return guarded


def gateway_component(request: Request) -> ServiceComponent:
    return component(request, "gateway")


GatewayDep = Annotated[ServiceComponent, Depends(gateway_component)]


def begin_call(request: Request) -> LlmCall:
    """The model call this request makes, recorded once its response is sent."""
    call = LlmCall.from_headers(request.headers)
    request.state.llm_call = call
    return call
