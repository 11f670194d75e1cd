"""The OpenAI wire under /llm: what OPENAI_BASE_URL=<platform>/llm/v1 reaches."""

import logging
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.responses import Response

from runagents_common.errors import RunAgentsError
from runagents_common.service import ServiceComponent, component
from runagents_gateway.llm import service
from runagents_gateway.llm.calls import LlmCall
from runagents_gateway.llm.errors import LlmError
from runagents_gateway.llm.requests import read_json_object
from runagents_gateway.llm.usage import record_after_response

log = logging.getLogger("runagents.gateway.llm")


class LlmRoute(APIRoute):
    """Answers every failure in OpenAI's error format (never a stack trace) and records the
    call a handler began, whatever its outcome."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                response = await handle(request)
            except LlmError as exc:
                response = exc.response()
            except RunAgentsError as exc:
                response = LlmError(exc.status, exc.detail, code=exc.code).response()
            except HTTPException as exc:
                response = LlmError(exc.status_code, str(exc.detail)).response()
            except Exception:
                log.exception("unexpected error on %s %s", request.method, request.url.path)
                response = LlmError(500, "The gateway failed to handle this request.", code="internal_error").response()
            call: LlmCall | None = getattr(request.state, "llm_call", None)
            if call is not None:
                call.status = response.status_code
                record_after_response(response, component(request, "gateway"), call)
            return response

        return guarded


def gateway_component(request: Request) -> ServiceComponent:
    return component(request, "gateway")


GatewayDep = Annotated[ServiceComponent, Depends(gateway_component)]
router = APIRouter(prefix="/llm", tags=["llm"], route_class=LlmRoute)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/v1/models")
async def list_models(gateway: GatewayDep) -> dict[str, Any]:
    return await service.list_models(gateway.context.wire)


@router.post("/v1/chat/completions", response_model=None)
async def chat_completions(request: Request, gateway: GatewayDep) -> Response:
    call = _begin_call(request)
    body, raw = await read_json_object(request, gateway.context.settings.max_request_bytes)
    return await service.chat_completion(gateway.context.wire, body, raw, call)


@router.post("/v1/embeddings", response_model=None)
async def embeddings(request: Request, gateway: GatewayDep) -> Response:
    call = _begin_call(request)
    body, raw = await read_json_object(request, gateway.context.settings.max_request_bytes)
    return await service.embeddings(gateway.context.wire, body, raw, call)


def _begin_call(request: Request) -> LlmCall:
    call = LlmCall.from_headers(request.headers)
    request.state.llm_call = call
    return call
