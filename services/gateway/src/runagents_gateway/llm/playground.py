"""Calls to the built-in playground provider: the offline model answers in-process.

A request the model cannot read raises ``PlaygroundRequestError``, a 400 that the /llm routes
answer in their wire's error format like any other platform error.
"""

import time
import uuid
from collections.abc import AsyncGenerator
from typing import Any

from fastapi.responses import JSONResponse
from starlette.responses import Response

from runagents_gateway import playground
from runagents_gateway.llm.calls import LlmCall
from runagents_gateway.llm.chat import ChatChunks
from runagents_gateway.llm.requests import with_usage_in_stream
from runagents_gateway.llm.routes import Route
from runagents_gateway.llm.sse import DONE, EventStream, sse_event


def chat(route: Route, body: dict[str, Any], call: LlmCall, *, stream: bool) -> Response:
    if not stream:
        return JSONResponse(complete(route, body, call))
    body, client_wants_usage = with_usage_in_stream(body)
    chunks = _stream(route, body, call)
    if not client_wants_usage:
        chunks = [_without_usage(chunk) for chunk in chunks if chunk.get("choices")]
    return EventStream(_events(chunks), call)


def complete(route: Route, body: dict[str, Any], call: LlmCall) -> dict[str, Any]:
    """The playground's ``chat.completion`` for ``body``."""
    completion = playground.complete_chat({**body, "model": route.model}, completion_id=_completion_id(),
                                          created=int(time.time()))
    call.observe_completion(completion)
    return completion


def chunks(route: Route, body: dict[str, Any], call: LlmCall) -> ChatChunks:
    """The playground's answer as chunks, usage in the last one."""
    body, _ = with_usage_in_stream(body)
    return ChatChunks(_chunk_source(_stream(route, body, call)))


def embeddings(route: Route, body: dict[str, Any], call: LlmCall) -> Response:
    result = playground.embed({**body, "model": route.model})
    call.observe_completion(result)
    return JSONResponse(result)


def _stream(route: Route, body: dict[str, Any], call: LlmCall) -> list[dict[str, Any]]:
    chunks = playground.stream_chat({**body, "model": route.model}, completion_id=_completion_id(),
                                    created=int(time.time()))
    for chunk in chunks:
        call.observe_chunk(chunk)
    return chunks


def _completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


async def _chunk_source(chunks: list[dict[str, Any]]) -> AsyncGenerator[dict[str, Any], None]:
    for chunk in chunks:
        yield chunk


async def _events(chunks: list[dict[str, Any]]) -> AsyncGenerator[bytes, None]:
    for chunk in chunks:
        yield sse_event(chunk)
    yield DONE


def _without_usage(chunk: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in chunk.items() if key != "usage"}
