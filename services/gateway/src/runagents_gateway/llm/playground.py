"""Calls to the built-in playground provider: the offline model answers in-process."""

import time
import uuid
from collections.abc import AsyncGenerator
from typing import Any

from fastapi.responses import JSONResponse
from starlette.responses import Response

from runagents_gateway import playground
from runagents_gateway.llm.calls import LlmCall
from runagents_gateway.llm.errors import bad_request
from runagents_gateway.llm.requests import with_usage_in_stream
from runagents_gateway.llm.routes import Route
from runagents_gateway.llm.sse import DONE, EventStream, sse_event


def chat(route: Route, body: dict[str, Any], call: LlmCall, *, stream: bool) -> Response:
    request = {**body, "model": route.model}
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if not stream:
        try:
            completion = playground.complete_chat(request, completion_id=completion_id, created=created)
        except playground.PlaygroundRequestError as exc:
            raise bad_request(exc.detail, code=exc.code) from exc
        call.observe_completion(completion)
        return JSONResponse(completion)
    request, client_wants_usage = with_usage_in_stream(request)
    try:
        chunks = playground.stream_chat(request, completion_id=completion_id, created=created)
    except playground.PlaygroundRequestError as exc:
        raise bad_request(exc.detail, code=exc.code) from exc
    for chunk in chunks:
        call.observe_chunk(chunk)
    if not client_wants_usage:
        chunks = [_without_usage(chunk) for chunk in chunks if chunk.get("choices")]
    return EventStream(_events(chunks), call)


def embeddings(route: Route, body: dict[str, Any], call: LlmCall) -> Response:
    try:
        result = playground.embed({**body, "model": route.model})
    except playground.PlaygroundRequestError as exc:
        raise bad_request(exc.detail, code=exc.code) from exc
    call.observe_completion(result)
    return JSONResponse(result)


async def _events(chunks: list[dict[str, Any]]) -> AsyncGenerator[bytes, None]:
    for chunk in chunks:
        yield sse_event(chunk)
    yield DONE


def _without_usage(chunk: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in chunk.items() if key != "usage"}
