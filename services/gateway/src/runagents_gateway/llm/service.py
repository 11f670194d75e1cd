"""Routing one model call to the provider that serves it: the agent's wiring picks the model, the
provider's kind how to call it, and a retryable failure of the wired provider moves the call to
the fallback the wiring names, before the client got anything."""

import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi.responses import JSONResponse
from starlette.responses import Response

from runagents_gateway.llm import playground, relay
from runagents_gateway.llm.calls import LlmCall
from runagents_gateway.llm.chat import ChatAnswer, ChatChunks
from runagents_gateway.llm.errors import LlmError, UpstreamError, bad_request, unknown_model
from runagents_gateway.llm.kinds import TRANSLATED_KINDS
from runagents_gateway.llm.requests import requested_model, wants_stream, with_usage_in_stream
from runagents_gateway.llm.routes import Route, RouteTable
from runagents_gateway.llm.sse import DONE, EventStream, sse_event
from runagents_gateway.llm.upstream import Upstream

log = logging.getLogger("runagents.gateway.llm")
T = TypeVar("T")


@dataclass
class LlmWire:
    """What a model call needs: the routes and the shared upstream connection pool."""

    routes: RouteTable
    upstream: Upstream


async def chat_completion(wire: LlmWire, body: dict[str, Any], raw: bytes, call: LlmCall) -> Response:
    stream = wants_stream(body)
    routes = await _chat_routes(wire, body, call)

    async def attempt(route: Route) -> Response:
        if route.kind == "playground":
            return playground.chat(route, body, call, stream=stream)
        if route.kind in relay.OPENAI_WIRE_KINDS:
            if stream:
                return await relay.relay_stream(wire.upstream, route, body, raw, call)
            return await relay.relay_json(wire.upstream, route, "/chat/completions", body, raw, call)
        if stream:
            _, client_wants_usage = with_usage_in_stream(body)
            return _chunk_events(await _chunks(wire, route, body, call), call, with_usage=client_wants_usage)
        answer = await _answer(wire, route, body, call)
        return JSONResponse(answer.completion, headers=answer.headers)

    return await _first_that_answers(routes, call, attempt)


async def chat_answer(wire: LlmWire, request: dict[str, Any], call: LlmCall) -> ChatAnswer:
    """A chat-completions ``request`` answered whole, as an object (for wires that translate)."""
    routes = await _chat_routes(wire, request, call)
    return await _first_that_answers(routes, call, lambda route: _answer(wire, route, request, call))


async def chat_stream(wire: LlmWire, request: dict[str, Any], call: LlmCall) -> ChatChunks:
    """A chat-completions ``request`` answered as chunks (for wires that translate)."""
    routes = await _chat_routes(wire, request, call)
    return await _first_that_answers(routes, call, lambda route: _chunks(wire, route, request, call))


async def embeddings(wire: LlmWire, body: dict[str, Any], raw: bytes, call: LlmCall) -> Response:
    routes = await _routes(wire, body, call, default_role="embedding")

    async def attempt(route: Route) -> Response:
        if route.role != "embedding":
            raise bad_request(f"`{route.model}` is not an embedding model.", code="wrong_model_role")
        if route.kind == "playground":
            return playground.embeddings(route, body, call)
        if route.kind in relay.OPENAI_WIRE_KINDS:
            return await relay.relay_json(wire.upstream, route, "/embeddings", body, raw, call)
        raise _not_relayed(route)

    return await _first_that_answers(routes, call, attempt)


async def list_models(wire: LlmWire, call: LlmCall | None = None) -> dict[str, Any]:
    """The models a caller may name, in OpenAI's list format: an agent's wired models and aliases,
    else every model of every provider (a name served twice listed as provider/model)."""
    snapshot = await wire.routes.current()
    created = int(time.time())
    grant = call.grant if call is not None else None
    if grant is not None:
        return {"object": "list", "data": [
            {"id": name, "object": "model", "created": created, "owned_by": "runagents"} for name in grant.names()
        ]}
    data = []
    for route in snapshot.routes:
        shared = snapshot.resolve(route.model) is not route
        model_id = f"{route.provider}/{route.model}" if shared else route.model
        data.append({"id": model_id, "object": "model", "created": created, "owned_by": route.provider})
    return {"object": "list", "data": data}


async def _answer(wire: LlmWire, route: Route, request: dict[str, Any], call: LlmCall) -> ChatAnswer:
    request = _for_provider(route, {**request, "stream": False})
    if route.kind == "playground":
        return ChatAnswer(playground.complete(route, request, call))
    if route.kind in relay.OPENAI_WIRE_KINDS:
        return await relay.completion(wire.upstream, route, request, call)
    if (kind := TRANSLATED_KINDS.get(route.kind)) is not None:
        return await kind.completion(wire.upstream, route, request, call)
    raise _not_relayed(route)


async def _chunks(wire: LlmWire, route: Route, request: dict[str, Any], call: LlmCall) -> ChatChunks:
    request = _for_provider(route, {**request, "stream": True})
    if route.kind == "playground":
        return playground.chunks(route, request, call)
    if route.kind in relay.OPENAI_WIRE_KINDS:
        return await relay.chunks(wire.upstream, route, request, call)
    if (kind := TRANSLATED_KINDS.get(route.kind)) is not None:
        return await kind.chunks(wire.upstream, route, request, call)
    raise _not_relayed(route)


async def _first_that_answers(routes: list[Route], call: LlmCall, attempt: Callable[[Route], Awaitable[T]]) -> T:
    """``attempt`` on the wired route, then on its fallback if the wired provider failed retryably."""
    for index, route in enumerate(routes):
        call.provider, call.model = route.provider, route.model
        try:
            return await attempt(route)
        except UpstreamError as exc:
            if not exc.retryable or index == len(routes) - 1:
                raise
            log.warning("model provider %s failed (%s); falling back to %s", route.provider, exc.status,
                        routes[index + 1].provider, extra={"agent": call.agent, "run_id": call.run_id})
    raise AssertionError("no routes")  # _routes never returns none


async def _routes(wire: LlmWire, body: dict[str, Any], call: LlmCall, *, default_role: str) -> list[Route]:
    """The route that serves the requested model for this caller, then its fallback if one is wired."""
    requested = requested_model(body)
    call.model = requested
    snapshot = await wire.routes.current()
    grant = call.grant
    if grant is None:
        route = snapshot.resolve(requested)
        if route is None:
            raise unknown_model(requested)
        routes = [route]
    else:
        role, target = grant.choose(requested, default_role, snapshot.providers)
        wired = snapshot.resolve(target.name)
        if wired is None:
            raise LlmError(503, f"`{target.name}`, wired for agent {grant.agent!r}, is no longer served by a "
                           "registered model provider.", code="wired_model_unavailable")
        routes = [wired]
        fallback = grant.fallbacks.get(role)
        if fallback is not None and (fallback_route := snapshot.resolve(fallback.name)) is not None:
            routes.append(fallback_route)
    call.provider, call.model = routes[0].provider, routes[0].model
    return routes


async def _chat_routes(wire: LlmWire, body: dict[str, Any], call: LlmCall) -> list[Route]:
    routes = await _routes(wire, body, call, default_role="chat")
    for route in routes:
        if route.role == "embedding":
            raise bad_request(f"`{route.model}` is an embedding model; use /v1/embeddings.", code="wrong_model_role")
    return routes


def _chunk_events(chunks: ChatChunks, call: LlmCall, *, with_usage: bool) -> EventStream:
    """Chunks of a provider that does not speak OpenAI's wire, framed as OpenAI's stream."""

    async def events() -> AsyncGenerator[bytes, None]:
        try:
            async for chunk in chunks.chunks:
                if not with_usage and not chunk.get("choices"):
                    continue
                yield sse_event(chunk if with_usage else {k: v for k, v in chunk.items() if k != "usage"})
        except LlmError as exc:
            call.status = exc.status
            yield sse_event(exc.body())
            return
        yield DONE

    return EventStream(events(), call, headers=chunks.headers, on_close=chunks.aclose)


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
