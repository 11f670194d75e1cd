"""The model wires under /llm: what OPENAI_BASE_URL=<platform>/llm/v1 and
ANTHROPIC_BASE_URL=<platform>/llm reach."""

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from runagents_gateway.llm import service
from runagents_gateway.llm.anthropic.endpoints import router as anthropic_router
from runagents_gateway.llm.handlers import LlmRoute, begin_call, gateway_of, identified_call
from runagents_gateway.llm.requests import read_json_object
from runagents_gateway.llm.responses.endpoints import router as responses_router

router = APIRouter(prefix="/llm", tags=["llm"], route_class=LlmRoute)


@router.get("/healthz")
async def healthz(request: Request) -> dict[str, str]:
    return {"status": "ok"}


@router.get("/v1/models")
async def list_models(request: Request) -> dict[str, Any]:
    gateway = gateway_of(request)
    return await service.list_models(gateway.context.wire, await identified_call(request, gateway))


@router.post("/v1/chat/completions", response_model=None)
async def chat_completions(request: Request) -> Response:
    call, gateway = await begin_call(request)
    body, raw = await read_json_object(request, gateway.context.settings.max_request_bytes)
    return await service.chat_completion(gateway.context.wire, body, raw, call)


# The groq SDK posts its OpenAI-wire chat to <GROQ_BASE_URL>/openai/v1/chat/completions.
router.post("/openai/v1/chat/completions", response_model=None, include_in_schema=False)(chat_completions)


@router.post("/v1/embeddings", response_model=None)
async def embeddings(request: Request) -> Response:
    call, gateway = await begin_call(request)
    body, raw = await read_json_object(request, gateway.context.settings.max_request_bytes)
    return await service.embeddings(gateway.context.wire, body, raw, call)


router.include_router(anthropic_router)
router.include_router(responses_router)
