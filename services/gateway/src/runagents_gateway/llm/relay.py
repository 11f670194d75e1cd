"""Relaying OpenAI-wire calls (openai, azure-openai, openai-compatible) to the provider's base URL.

The provider key is added here and nowhere else; a stream goes on to the client event by event as
the upstream sends it; a retryable failure is retried (llm/upstream.py) only before the client got
anything.
"""

import json
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
from starlette.responses import Response

from runagents_gateway.llm.calls import LlmCall, answer_pieces
from runagents_gateway.llm.chat import ChatAnswer, ChatChunks
from runagents_gateway.llm.errors import LlmError, UpstreamError
from runagents_gateway.llm.requests import raw_with_usage_in_stream, with_usage_in_stream
from runagents_gateway.llm.routes import Route
from runagents_gateway.llm.sse import EventStream, RelayedStream, SseDecoder, sse_event, usage_chunk
from runagents_gateway.llm.upstream import (
    RETRYABLE_STATUSES,
    Upstream,
    UpstreamFailure,
    UpstreamRequest,
    UpstreamResponse,
)

OPENAI_WIRE_KINDS = ("openai", "azure-openai", "openai-compatible")
# Upstream response headers a client may act on (rate limits, request ids); nothing else goes back.
_FORWARDED_HEADERS = ("retry-after", "retry-after-ms", "x-request-id", "openai-processing-ms")
_FORWARDED_PREFIXES = ("x-ratelimit-",)


async def relay_json(upstream: Upstream, route: Route, path: str, body: dict[str, Any], raw: bytes,
                     call: LlmCall) -> Response:
    """A non-streaming call: the upstream's answer as it came; its usage is read after sending."""
    answer, content = await _answer(upstream, route, path, _payload(route, body, raw), call)
    call.unread_body = content
    return Response(content, status_code=answer.status, headers=forwarded_headers(answer.headers),
                    media_type="application/json")


async def relay_stream(upstream: Upstream, route: Route, body: dict[str, Any], raw: bytes,
                       call: LlmCall) -> EventStream:
    """A streaming chat completion, forwarded event by event."""
    upstream_body, client_wants_usage = with_usage_in_stream(body)
    raw = raw if client_wants_usage else raw_with_usage_in_stream(body, raw)
    answer = await send(upstream, route, "/chat/completions", _payload(route, upstream_body, raw), call,
                        streaming=True)
    stream = RelayedStream(call, drop_usage_chunk=not client_wants_usage, request=upstream_body)

    async def events() -> AsyncGenerator[bytes, None]:
        try:
            async for data in answer.chunks():
                forwarded = stream.feed(data)
                if forwarded:
                    yield forwarded
            rest = stream.flush()
            if rest:
                yield rest
        except UpstreamFailure as exc:
            # Headers are sent: the failure can only be told in the stream (the SDKs raise on it).
            error = failure(route, exc)
            call.status = error.status
            yield sse_event(error.body())
        finally:
            with anyio.CancelScope(shield=True):
                await answer.aclose()

    return EventStream(events(), call, status_code=answer.status, headers=forwarded_headers(answer.headers),
                       on_close=answer.aclose)


async def completion(upstream: Upstream, route: Route, body: dict[str, Any], call: LlmCall) -> ChatAnswer:
    """A non-streaming chat completion, parsed for a client of another wire format."""
    answer, content = await _answer(upstream, route, "/chat/completions", _payload(route, body, b""), call)
    try:
        parsed = json.loads(content)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("choices"), list):
        raise LlmError(502, f"Model provider {route.provider!r} answered with something other than a chat "
                       "completion.", code="upstream_error")
    call.observe_completion(parsed)
    return ChatAnswer(parsed, forwarded_headers(answer.headers))


async def chunks(upstream: Upstream, route: Route, body: dict[str, Any], call: LlmCall) -> ChatChunks:
    """A streaming chat completion, parsed chunk by chunk as the upstream sends it, for a client of
    another wire format."""
    body, _ = with_usage_in_stream(body)
    answer = await send(upstream, route, "/chat/completions", _payload(route, body, b""), call, streaming=True)

    async def parsed() -> AsyncGenerator[dict[str, Any], None]:
        decoder = SseDecoder()
        seen = _SeenChunks()
        try:
            async for data in answer.chunks():
                for payload in decoder.feed(data):
                    if (chunk := _chunk(route, payload)) is not None:
                        seen.observe(call, chunk)
                        yield chunk
            for payload in decoder.flush():
                if (chunk := _chunk(route, payload)) is not None:
                    seen.observe(call, chunk)
                    yield chunk
            if seen.head is not None and not seen.usage:
                # An upstream that ignores stream_options: the translators take usage from a last chunk.
                yield usage_chunk(seen.head, call.estimate_usage(body, seen.pieces))
        except UpstreamFailure as exc:
            raise failure(route, exc) from exc
        finally:
            with anyio.CancelScope(shield=True):
                await answer.aclose()

    return ChatChunks(parsed(), forwarded_headers(answer.headers), release=answer.aclose)


@dataclass
class _SeenChunks:
    """What a parsed stream told of its usage so far, to estimate it when the upstream reports none."""

    head: dict[str, Any] | None = None
    pieces: int = 0
    usage: bool = False

    def observe(self, call: LlmCall, chunk: dict[str, Any]) -> None:
        call.observe_chunk(chunk)
        if self.head is None:
            self.head = chunk
        self.pieces += answer_pieces(chunk)
        self.usage = self.usage or isinstance(chunk.get("usage"), dict)


def _chunk(route: Route, payload: bytes) -> dict[str, Any] | None:
    """The chunk in one event's data; None for ``[DONE]`` and for what is no chunk at all."""
    if payload == b"[DONE]":
        return None
    try:
        chunk = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(chunk, dict):
        return None
    error = chunk.get("error")
    if isinstance(error, dict):
        message = redacted(route, str(error.get("message") or "").encode()).decode("utf-8", "replace")
        raise LlmError(502, f"Model provider {route.provider!r} failed mid-stream: {message[:500]}",
                       code="upstream_error")
    return chunk


def upstream_request(route: Route, url: str, payload: bytes, headers: dict[str, str], call: LlmCall, *,
                     streaming: bool) -> UpstreamRequest:
    """A request to ``route``'s provider within the call's time: the provider's timeout, shortened to
    what is left of the client's own (``x-stainless-timeout``, ``x-runagents-timeout``)."""
    timeout, deadline = route.timeout, None
    if call.timeout is not None:
        deadline = call.began + call.timeout
        timeout = max(0.001, min(timeout, deadline - time.monotonic()))
    if streaming:
        headers = {**headers, "accept": "text/event-stream", "accept-encoding": "identity"}
    return UpstreamRequest(url=url, payload=payload, headers=headers, streaming=streaming, timeout=timeout,
                           connect_timeout=min(route.connect_timeout, timeout), deadline=deadline,
                           retry=route.retry)


async def send(upstream: Upstream, route: Route, path: str, payload: bytes, call: LlmCall, *,
               streaming: bool) -> UpstreamResponse:
    """The provider's answer to an OpenAI-wire request, or the error the client gets for it."""
    headers = {"content-type": "application/json", "accept": "application/json"}
    secret = provider_key(route)
    if secret is not None:
        if route.kind == "azure-openai":
            headers["api-key"] = secret
        else:
            headers["authorization"] = f"Bearer {secret}"
    request = upstream_request(route, _url(route, path), payload, headers, call, streaming=streaming)
    return await exchange(upstream, route, request, upstream_error)


def provider_key(route: Route) -> str | None:
    """The provider's API key in the clear, to put on the request; a 500 if it does not decrypt."""
    if route.key_unreadable:
        raise LlmError(500, f"The API key of model provider {route.provider!r} cannot be decrypted with the "
                       "gateway's secret key; register the key again.", code="provider_key_unreadable")
    return None if route.api_key is None else route.api_key.get_secret_value()


async def exchange(upstream: Upstream, route: Route, request: UpstreamRequest,
                   error_of: Callable[[Route, int, Mapping[str, str], bytes], LlmError]) -> UpstreamResponse:
    """The provider's answer to ``request`` (retried as its policy allows); a provider that cannot
    be reached, or answers an error status, as the error the client gets (``error_of`` reads the
    provider's own error body)."""
    try:
        answer = await upstream.send(request)
    except UpstreamFailure as exc:
        raise failure(route, exc) from exc
    if answer.status >= 400:
        try:
            content = await answer.read()
        except UpstreamFailure:
            content = b""
        raise error_of(route, answer.status, answer.headers, content)
    return answer


def _url(route: Route, path: str) -> str:
    base = (route.base_url or "").rstrip("/")
    if route.kind == "azure-openai" and route.api_version:
        # Azure's classic API: the model is the deployment, the version a query parameter.
        return f"{base}/openai/deployments/{route.model}{path}?api-version={route.api_version}"
    return f"{base}{path}"


async def _answer(upstream: Upstream, route: Route, path: str, payload: bytes,
                  call: LlmCall) -> tuple[UpstreamResponse, bytes]:
    """A non-streaming call's response and its body, read whole."""
    answer = await send(upstream, route, path, payload, call, streaming=False)
    try:
        return answer, await answer.read()
    except UpstreamFailure as exc:
        raise failure(route, exc) from exc


def _payload(route: Route, body: dict[str, Any], raw: bytes) -> bytes:
    """The bytes the client sent when they say what the upstream needs (``raw`` is empty when not)."""
    if body.get("model") == route.model and raw:
        return raw
    return json.dumps({**body, "model": route.model}, separators=(",", ":"), ensure_ascii=False).encode()


def upstream_error(route: Route, status: int, headers: Mapping[str, str], content: bytes) -> LlmError:
    retryable = status in RETRYABLE_STATUSES
    if status in (401, 403):
        # The caller's credentials were fine; the gateway's own key for this provider was not.
        return UpstreamError(502, f"Model provider {route.provider!r} rejected the gateway's credentials "
                             f"(status {status}).", code="upstream_auth_failed", retryable=False)
    if status >= 500:
        return UpstreamError(502, f"Model provider {route.provider!r} failed (status {status}).",
                             code="upstream_error", retryable=True)
    content = redacted(route, content)
    forwarded = forwarded_headers(headers)
    if _is_openai_error(content):
        return UpstreamError(status, "upstream error", headers=forwarded, raw_body=content, retryable=retryable)
    text = content.decode("utf-8", "replace").strip()[:500] or f"status {status}"
    return UpstreamError(status, f"Model provider {route.provider!r} refused the request: {text}",
                         code="upstream_error", headers=forwarded, retryable=retryable)


def _is_openai_error(content: bytes) -> bool:
    try:
        parsed = json.loads(content)
    except ValueError:
        return False
    return isinstance(parsed, dict) and isinstance(parsed.get("error"), dict)


def redacted(route: Route, content: bytes) -> bytes:
    if route.api_key is None:
        return content
    secret = route.api_key.get_secret_value().encode()
    return content.replace(secret, b"[redacted]") if secret and secret in content else content


def forwarded_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        name: value
        for name, value in ((name.lower(), value) for name, value in headers.items())
        if name in _FORWARDED_HEADERS or name.startswith(_FORWARDED_PREFIXES)
    }


def failure(route: Route, exc: UpstreamFailure) -> UpstreamError:
    """What a transport failure talking to the provider is for the client: a timeout or no answer."""
    if exc.timed_out:
        return UpstreamError(504, f"Model provider {route.provider!r} did not answer in time.",
                             code="upstream_timeout", retryable=True)
    return UpstreamError(502, f"Model provider {route.provider!r} is unreachable.", code="upstream_unreachable",
                         retryable=True)
