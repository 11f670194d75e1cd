"""Relaying OpenAI-wire calls (openai, azure-openai, openai-compatible) to the provider's base URL.

One shared connection pool per process; the provider key is added here and nowhere else; a
stream goes on to the client event by event as the upstream sends it.
"""

import json
from collections.abc import AsyncGenerator
from typing import Any

import anyio
import httpx
from starlette.responses import Response

from runagents_gateway.llm.calls import LlmCall
from runagents_gateway.llm.chat import ChatAnswer, ChatChunks
from runagents_gateway.llm.errors import LlmError
from runagents_gateway.llm.requests import with_usage_in_stream
from runagents_gateway.llm.routes import Route
from runagents_gateway.llm.sse import EventStream, RelayedStream, SseDecoder, sse_event

OPENAI_WIRE_KINDS = ("openai", "azure-openai", "openai-compatible")
# Upstream response headers a client may act on (rate limits, request ids); nothing else goes back.
_FORWARDED_HEADERS = ("retry-after", "retry-after-ms", "x-request-id", "openai-processing-ms")
_FORWARDED_PREFIXES = ("x-ratelimit-",)


async def relay_json(client: httpx.AsyncClient, route: Route, path: str, body: dict[str, Any], raw: bytes,
                     call: LlmCall) -> Response:
    """A non-streaming call: the upstream's answer as it came; its usage is read after sending."""
    upstream = await _answer(client, route, path, _payload(route, body, raw))
    call.unread_body = upstream.content
    return Response(upstream.content, status_code=upstream.status_code,
                    headers=_forwarded_headers(upstream.headers), media_type="application/json")


async def relay_stream(client: httpx.AsyncClient, route: Route, body: dict[str, Any], raw: bytes,
                       call: LlmCall) -> EventStream:
    """A streaming chat completion, forwarded event by event."""
    body, client_wants_usage = with_usage_in_stream(body)
    if not client_wants_usage:
        raw = b""
    upstream = await _send(client, route, "/chat/completions", _payload(route, body, raw), streaming=True)
    stream = RelayedStream(call, drop_usage_chunk=not client_wants_usage)

    async def events() -> AsyncGenerator[bytes, None]:
        try:
            async for data in upstream.aiter_bytes():
                forwarded = stream.feed(data)
                if forwarded:
                    yield forwarded
            rest = stream.flush()
            if rest:
                yield rest
        except httpx.HTTPError as exc:
            # Headers are sent: the failure can only be told in the stream (the SDKs raise on it).
            error = _failure(route, exc)
            call.status = error.status
            yield sse_event(error.body())
        finally:
            with anyio.CancelScope(shield=True):
                await upstream.aclose()

    return EventStream(events(), call, status_code=upstream.status_code,
                       headers=_forwarded_headers(upstream.headers))


async def completion(client: httpx.AsyncClient, route: Route, body: dict[str, Any], call: LlmCall) -> ChatAnswer:
    """A non-streaming chat completion, parsed for a client of another wire format."""
    upstream = await _answer(client, route, "/chat/completions", _payload(route, body, b""))
    try:
        parsed = json.loads(upstream.content)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("choices"), list):
        raise LlmError(502, f"Model provider {route.provider!r} answered with something other than a chat "
                       "completion.", code="upstream_error")
    call.observe_completion(parsed)
    return ChatAnswer(parsed, _forwarded_headers(upstream.headers))


async def chunks(client: httpx.AsyncClient, route: Route, body: dict[str, Any], call: LlmCall) -> ChatChunks:
    """A streaming chat completion, parsed chunk by chunk as the upstream sends it, for a client of
    another wire format."""
    body, _ = with_usage_in_stream(body)
    upstream = await _send(client, route, "/chat/completions", _payload(route, body, b""), streaming=True)

    async def parsed() -> AsyncGenerator[dict[str, Any], None]:
        decoder = SseDecoder()
        try:
            async for data in upstream.aiter_bytes():
                for payload in decoder.feed(data):
                    if (chunk := _chunk(route, payload)) is not None:
                        call.observe_chunk(chunk)
                        yield chunk
            for payload in decoder.flush():
                if (chunk := _chunk(route, payload)) is not None:
                    call.observe_chunk(chunk)
                    yield chunk
        except httpx.HTTPError as exc:
            raise _failure(route, exc) from exc
        finally:
            with anyio.CancelScope(shield=True):
                await upstream.aclose()

    return ChatChunks(parsed(), _forwarded_headers(upstream.headers), release=upstream.aclose)


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
        message = _redacted(route, str(error.get("message") or "").encode()).decode("utf-8", "replace")
        raise LlmError(502, f"Model provider {route.provider!r} failed mid-stream: {message[:500]}",
                       code="upstream_error")
    return chunk


async def _send(client: httpx.AsyncClient, route: Route, path: str, payload: bytes, *,
                streaming: bool) -> httpx.Response:
    if route.key_unreadable:
        raise LlmError(500, f"The API key of model provider {route.provider!r} cannot be decrypted with the "
                       "gateway's secret key; register the key again.", code="provider_key_unreadable")
    headers = {"content-type": "application/json", "accept": "text/event-stream" if streaming else "application/json"}
    if streaming:
        headers["accept-encoding"] = "identity"
    if route.api_key is not None:
        secret = route.api_key.get_secret_value()
        if route.kind == "azure-openai":
            headers["api-key"] = secret
        else:
            headers["authorization"] = f"Bearer {secret}"
    request = client.build_request("POST", f"{(route.base_url or '').rstrip('/')}{path}", content=payload,
                                   headers=headers)
    try:
        upstream = await client.send(request, stream=True)
    except httpx.HTTPError as exc:
        raise _failure(route, exc) from exc
    if upstream.status_code >= 400:
        try:
            content = await upstream.aread()
        except httpx.HTTPError:
            content = b""
        finally:
            await upstream.aclose()
        raise _upstream_error(route, upstream.status_code, upstream.headers, content)
    return upstream


async def _answer(client: httpx.AsyncClient, route: Route, path: str, payload: bytes) -> httpx.Response:
    """A non-streaming call's response, its body read whole and its connection released."""
    upstream = await _send(client, route, path, payload, streaming=False)
    try:
        await upstream.aread()
    except httpx.HTTPError as exc:
        raise _failure(route, exc) from exc
    finally:
        await upstream.aclose()
    return upstream


def _payload(route: Route, body: dict[str, Any], raw: bytes) -> bytes:
    """The bytes the client sent when they say what the upstream needs (``raw`` is empty when not)."""
    if body.get("model") == route.model and raw:
        return raw
    return json.dumps({**body, "model": route.model}, separators=(",", ":"), ensure_ascii=False).encode()


def _upstream_error(route: Route, status: int, headers: httpx.Headers, content: bytes) -> LlmError:
    if status in (401, 403):
        # The caller's credentials were fine; the gateway's own key for this provider was not.
        return LlmError(502, f"Model provider {route.provider!r} rejected the gateway's credentials "
                        f"(status {status}).", code="upstream_auth_failed")
    if status >= 500:
        return LlmError(502, f"Model provider {route.provider!r} failed (status {status}).", code="upstream_error")
    content = _redacted(route, content)
    forwarded = _forwarded_headers(headers)
    if _is_openai_error(content):
        return LlmError(status, "upstream error", headers=forwarded, raw_body=content)
    text = content.decode("utf-8", "replace").strip()[:500] or f"status {status}"
    return LlmError(status, f"Model provider {route.provider!r} refused the request: {text}",
                    code="upstream_error", headers=forwarded)


def _is_openai_error(content: bytes) -> bool:
    try:
        parsed = json.loads(content)
    except ValueError:
        return False
    return isinstance(parsed, dict) and isinstance(parsed.get("error"), dict)


def _redacted(route: Route, content: bytes) -> bytes:
    if route.api_key is None:
        return content
    secret = route.api_key.get_secret_value().encode()
    return content.replace(secret, b"[redacted]") if secret and secret in content else content


def _forwarded_headers(headers: httpx.Headers) -> dict[str, str]:
    return {
        name: value
        for name, value in headers.items()
        if name in _FORWARDED_HEADERS or name.startswith(_FORWARDED_PREFIXES)
    }


def _failure(route: Route, exc: httpx.HTTPError) -> LlmError:
    """What a transport failure talking to the provider is for the client: a timeout or no answer."""
    return _timeout(route) if isinstance(exc, httpx.TimeoutException) else _unreachable(route)


def _timeout(route: Route) -> LlmError:
    return LlmError(504, f"Model provider {route.provider!r} did not answer in time.", code="upstream_timeout")


def _unreachable(route: Route) -> LlmError:
    return LlmError(502, f"Model provider {route.provider!r} is unreachable.", code="upstream_unreachable")
