"""Routing one model call to the provider that serves the model, by the provider's kind."""

import time
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.responses import Response

from runagents_gateway.llm import playground, relay
from runagents_gateway.llm.calls import LlmCall
from runagents_gateway.llm.chat import ChatAnswer, ChatChunks
from runagents_gateway.llm.errors import LlmError, bad_request, unknown_model
from runagents_gateway.llm.requests import requested_model, wants_stream
from runagents_gateway.llm.routes import Route, RouteTable


@dataclass
class LlmWire:
    """What a model call needs: the routes and the shared upstream connection pool."""

    routes: RouteTable
    http: httpx.AsyncClient


async def chat_completion(wire: LlmWire, body: dict[str, Any], raw: bytes, call: LlmCall) -> Response:
    stream = wants_stream(body)
    route = await _chat_route(wire, body, call)
    if route.kind == "playground":
        return playground.chat(route, body, call, stream=stream)
    if stream:
        return await relay.relay_stream(wire.http, route, body, raw, call)
    return await relay.relay_json(wire.http, route, "/chat/completions", body, raw, call)


async def chat_answer(wire: LlmWire, request: dict[str, Any], call: LlmCall) -> ChatAnswer:
    """A chat-completions ``request`` answered whole, as an object (for wires that translate)."""
    route = await _chat_route(wire, request, call)
    request = _for_provider(route, {**request, "stream": False})
    if route.kind == "playground":
        return ChatAnswer(playground.complete(route, request, call))
    return await relay.completion(wire.http, route, request, call)


async def chat_stream(wire: LlmWire, request: dict[str, Any], call: LlmCall) -> ChatChunks:
    """A chat-completions ``request`` answered as chunks (for wires that translate)."""
    route = await _chat_route(wire, request, call)
    request = _for_provider(route, {**request, "stream": True})
    if route.kind == "playground":
        return playground.chunks(route, request, call)
    return await relay.chunks(wire.http, route, request, call)


async def embeddings(wire: LlmWire, body: dict[str, Any], raw: bytes, call: LlmCall) -> Response:
    route = await _route(wire, body, call)
    if route.role != "embedding":
        raise bad_request(f"`{route.model}` is not an embedding model.", code="wrong_model_role")
    if route.kind == "playground":
        return playground.embeddings(route, body, call)
    if route.kind in relay.OPENAI_WIRE_KINDS:
        return await relay.relay_json(wire.http, route, "/embeddings", body, raw, call)
    raise _not_relayed(route)


async def list_models(wire: LlmWire) -> dict[str, Any]:
    """Every model of every provider in OpenAI's list format; a name served twice is listed as provider/model."""
    snapshot = await wire.routes.current()
    created = int(time.time())
    data = []
    for route in snapshot.routes:
        shared = snapshot.resolve(route.model) is not route
        model_id = f"{route.provider}/{route.model}" if shared else route.model
        data.append({"id": model_id, "object": "model", "created": created, "owned_by": route.provider})
    return {"object": "list", "data": data}


async def _route(wire: LlmWire, body: dict[str, Any], call: LlmCall) -> Route:
    requested = requested_model(body)
    call.model = requested
    route = (await wire.routes.current()).resolve(requested)
    if route is None:
        raise unknown_model(requested)
    call.provider, call.model = route.provider, route.model
    return route


async def _chat_route(wire: LlmWire, body: dict[str, Any], call: LlmCall) -> Route:
    route = await _route(wire, body, call)
    if route.role == "embedding":
        raise bad_request(f"`{route.model}` is an embedding model; use /v1/embeddings.", code="wrong_model_role")
    if route.kind != "playground" and route.kind not in relay.OPENAI_WIRE_KINDS:
        raise _not_relayed(route)
    return route


def _for_provider(route: Route, request: dict[str, Any]) -> dict[str, Any]:
    """A translated request in the dialect of the provider's kind.

    OpenAI itself refuses ``max_tokens`` for its reasoning models and takes ``max_completion_tokens``
    for every chat model; other OpenAI-compatible servers mostly know only ``max_tokens``.
    """
    if route.kind == "openai" and "max_tokens" in request:
        renamed = {key: value for key, value in request.items() if key != "max_tokens"}
        renamed["max_completion_tokens"] = request["max_tokens"]
        return renamed
    return request


def _not_relayed(route: Route) -> LlmError:
    return LlmError(501, f"Model provider {route.provider!r} is of kind {route.kind}, which the gateway "
                    "cannot call yet.", code="provider_kind_not_supported")
