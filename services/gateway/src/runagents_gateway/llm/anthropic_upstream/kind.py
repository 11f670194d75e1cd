"""Calling Anthropic's Messages API for a chat-completions request, whole or streamed.

The transport is the relay's (llm/upstream.py: one pool, retries before the first byte, the call's
deadline); only the request, the answer and the errors are Anthropic's.
"""

import json
from collections.abc import AsyncGenerator
from typing import Any

import anyio

from runagents_gateway.llm.anthropic_upstream.answers import chat_completion
from runagents_gateway.llm.anthropic_upstream.errors import forwarded_headers, stream_error, upstream_error
from runagents_gateway.llm.anthropic_upstream.requests import messages_request
from runagents_gateway.llm.anthropic_upstream.stream import ChunkStream
from runagents_gateway.llm.calls import LlmCall
from runagents_gateway.llm.chat import ChatAnswer, ChatChunks
from runagents_gateway.llm.errors import LlmError
from runagents_gateway.llm.relay import exchange, failure, provider_key, upstream_request
from runagents_gateway.llm.routes import Route
from runagents_gateway.llm.sse import SseDecoder
from runagents_gateway.llm.upstream import Upstream, UpstreamFailure, UpstreamResponse

ANTHROPIC_VERSION = "2023-06-01"
DEFAULT_BASE_URL = "https://api.anthropic.com"


class AnthropicKind:
    """Providers of kind ``anthropic`` (see llm/kinds.py)."""

    async def completion(self, upstream: Upstream, route: Route, request: dict[str, Any],
                         call: LlmCall) -> ChatAnswer:
        body = messages_request(request, route.model, stream=False)
        answer = await send(upstream, route, body, call, streaming=False)
        try:
            content = await answer.read()
        except UpstreamFailure as exc:
            raise failure(route, exc) from exc
        message = _json_object(content)
        if message is None or message.get("type") != "message":
            raise LlmError(502, f"Model provider {route.provider!r} answered with something other than a "
                           "message.", code="upstream_error")
        completion = chat_completion(message, route.model)
        call.observe_completion(completion)
        return ChatAnswer(completion, forwarded_headers(answer.headers))

    async def chunks(self, upstream: Upstream, route: Route, request: dict[str, Any],
                     call: LlmCall) -> ChatChunks:
        body = messages_request(request, route.model, stream=True)
        answer = await send(upstream, route, body, call, streaming=True)
        stream = ChunkStream(route.model)

        def translated(payload: bytes) -> list[dict[str, Any]]:
            event = _json_object(payload)
            if event is None:
                return []
            if event.get("type") == "error":
                raise stream_error(route, event)
            chunks = stream.feed(event)
            for chunk in chunks:
                call.observe_chunk(chunk)
            return chunks

        async def parsed() -> AsyncGenerator[dict[str, Any], None]:
            decoder = SseDecoder()
            try:
                async for data in answer.chunks():
                    for payload in decoder.feed(data):
                        for chunk in translated(payload):
                            yield chunk
                for payload in decoder.flush():
                    for chunk in translated(payload):
                        yield chunk
                if not stream.finished:
                    raise LlmError(502, f"Model provider {route.provider!r} ended its stream before the message "
                                   "was complete.", code="upstream_error")
            except UpstreamFailure as exc:
                raise failure(route, exc) from exc
            finally:
                with anyio.CancelScope(shield=True):
                    await answer.aclose()

        return ChatChunks(parsed(), forwarded_headers(answer.headers), release=answer.aclose)


async def send(upstream: Upstream, route: Route, body: dict[str, Any], call: LlmCall, *,
               streaming: bool) -> UpstreamResponse:
    """Anthropic's answer to a Messages request, or the error the client gets for it."""
    headers = {"content-type": "application/json", "accept": "application/json",
               "anthropic-version": ANTHROPIC_VERSION}
    secret = provider_key(route)
    if secret is not None:
        headers["x-api-key"] = secret
    payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    request = upstream_request(route, messages_url(route.base_url), payload, headers, call, streaming=streaming)
    return await exchange(upstream, route, request, upstream_error)


def messages_url(base_url: str | None) -> str:
    """``{base_url}/v1/messages``; a base URL registered with the ``/v1`` the SDKs add is taken as meant."""
    base = (base_url or DEFAULT_BASE_URL).rstrip("/").removesuffix("/v1")
    return f"{base}/v1/messages"


def _json_object(content: bytes) -> dict[str, Any] | None:
    try:
        parsed = json.loads(content)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


ANTHROPIC = AnthropicKind()
