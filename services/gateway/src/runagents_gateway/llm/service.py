"""Routing one model call to the provider that serves the model, by the provider's kind."""

import time
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.responses import Response

from runagents_gateway.llm import playground, relay
from runagents_gateway.llm.calls import LlmCall
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
    route = await _route(wire, body, call)
    if route.role == "embedding":
        raise bad_request(f"`{route.model}` is an embedding model; use /v1/embeddings.", code="wrong_model_role")
    if route.kind == "playground":
        return playground.chat(route, body, call, stream=stream)
    if route.kind in relay.OPENAI_WIRE_KINDS:
        if stream:
            return await relay.relay_stream(wire.http, route, body, raw, call)
        return await relay.relay_json(wire.http, route, "/chat/completions", body, raw, call)
    raise _not_relayed(route)


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


def _not_relayed(route: Route) -> LlmError:
    return LlmError(501, f"Model provider {route.provider!r} is of kind {route.kind}, which the gateway "
                    "cannot call yet.", code="provider_kind_not_supported")
