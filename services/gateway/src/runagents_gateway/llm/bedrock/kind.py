"""Providers of kind ``bedrock``: Amazon Bedrock's Converse API, called with a Bedrock API key.

``POST {base_url}/model/{modelId}/converse`` answers whole; ``.../converse-stream`` answers in AWS's
binary event-stream encoding. The key goes in ``Authorization: Bearer`` (what ``AWS_BEARER_TOKEN_BEDROCK``
does in the AWS SDKs); IAM credentials signed with SigV4 are not supported.
"""

import contextlib
import json
from collections.abc import AsyncGenerator
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import anyio

from runagents_gateway.llm.bedrock.answers import chat_completion, is_converse_answer
from runagents_gateway.llm.bedrock.errors import (
    exception_event_error,
    forwarded,
    http_error,
    mid_stream_error,
)
from runagents_gateway.llm.bedrock.eventstream import EventMessage, EventStreamDecoder, EventStreamError
from runagents_gateway.llm.bedrock.requests import converse_request
from runagents_gateway.llm.bedrock.stream import ChunkTranslator
from runagents_gateway.llm.calls import LlmCall
from runagents_gateway.llm.chat import ChatAnswer, ChatChunks
from runagents_gateway.llm.errors import LlmError
from runagents_gateway.llm.relay import exchange, failure, provider_key, upstream_request
from runagents_gateway.llm.routes import Route
from runagents_gateway.llm.upstream import Upstream, UpstreamFailure, UpstreamResponse

EVENT_STREAM = "application/vnd.amazon.eventstream"


class BedrockKind:
    """The translation the provider registry (llm/kinds.py) calls for kind ``bedrock``."""

    async def completion(self, upstream: Upstream, route: Route, request: dict[str, Any],
                         call: LlmCall) -> ChatAnswer:
        answer = await _send(upstream, route, "converse", converse_request(request), call, streaming=False)
        try:
            content = await answer.read()
        except UpstreamFailure as exc:
            raise failure(route, exc) from exc
        try:
            parsed = json.loads(content)
        except ValueError:
            parsed = None
        if not is_converse_answer(parsed):
            raise LlmError(502, f"Model provider {route.provider!r} answered with something other than a Converse "
                           "response.", code="upstream_error")
        completion = chat_completion(parsed, model=route.model)
        call.observe_completion(completion)
        return ChatAnswer(completion, forwarded(answer.headers))

    async def chunks(self, upstream: Upstream, route: Route, request: dict[str, Any], call: LlmCall) -> ChatChunks:
        answer = await _send(upstream, route, "converse-stream", converse_request(request), call, streaming=True)
        messages = _messages(route, answer)
        try:
            # The first event is waited for: a failure Bedrock tells before answering anything is
            # still answered with its status, and may move the call to a fallback provider.
            first = await anext(messages, None)
            if first is not None and first.message_type != "event":
                raise exception_event_error(route, first, answer.headers)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await messages.aclose()
                await answer.aclose()
            raise
        translator = ChunkTranslator(route.model)

        async def parsed() -> AsyncGenerator[dict[str, Any], None]:
            try:
                async with contextlib.aclosing(messages):
                    message = first
                    while message is not None:
                        for chunk in _translated(route, translator, message):
                            call.observe_chunk(chunk)
                            yield chunk
                        message = await anext(messages, None)
                if not translator.finished:
                    raise LlmError(502, f"Model provider {route.provider!r} ended the stream before the answer was "
                                   "complete.", code="upstream_error")
            finally:
                with anyio.CancelScope(shield=True):
                    await answer.aclose()

        async def release() -> None:
            await messages.aclose()
            await answer.aclose()

        return ChatChunks(parsed(), forwarded(answer.headers), release=release)


def converse_url(route: Route, operation: str) -> str:
    """The operation's URL for the route's model; an inference profile id or ARN is one path segment."""
    base = (route.base_url or "").rstrip("/")
    return f"{base}/model/{quote(route.model, safe='')}/{operation}"


async def _send(upstream: Upstream, route: Route, operation: str, body: dict[str, Any], call: LlmCall, *,
                streaming: bool) -> UpstreamResponse:
    """Bedrock's answer to a Converse request, or the error the client gets for it."""
    if not route.base_url:
        raise LlmError(500, f"Model provider {route.provider!r} of kind bedrock has no base_url; register it with "
                       "its Bedrock runtime endpoint, e.g. https://bedrock-runtime.us-east-1.amazonaws.com.",
                       code="provider_misconfigured")
    headers = {"content-type": "application/json", "accept": "application/json"}
    secret = provider_key(route)
    if secret is not None:
        headers["authorization"] = f"Bearer {secret}"
    payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    request = upstream_request(route, converse_url(route, operation), payload, headers, call, streaming=streaming)
    if streaming:
        request = replace(request, headers={**request.headers, "accept": EVENT_STREAM})
    return await exchange(upstream, route, request, http_error)


async def _messages(route: Route, answer: UpstreamResponse) -> AsyncGenerator[EventMessage, None]:
    """The stream's messages, decoded as the body arrives."""
    decoder = EventStreamDecoder()
    try:
        async for data in answer.chunks():
            for message in decoder.feed(data):
                yield message
        decoder.finish()
    except UpstreamFailure as exc:
        raise failure(route, exc) from exc
    except EventStreamError as exc:
        raise LlmError(502, f"Model provider {route.provider!r} sent a malformed event stream: {exc}",
                       code="upstream_error") from exc


def _translated(route: Route, translator: ChunkTranslator, message: EventMessage) -> list[dict[str, Any]]:
    if message.message_type != "event":
        raise mid_stream_error(route, message)
    try:
        event = json.loads(message.payload) if message.payload else {}
    except ValueError:
        event = None
    if not isinstance(event, dict):
        raise LlmError(502, f"Model provider {route.provider!r} sent an event that is not a JSON object.",
                       code="upstream_error")
    return translator.feed(message.header(":event-type") or "", event)
