"""Anthropic's failures as the client's errors (OpenAI's format; the Messages endpoint re-renders them).

401/403 are the gateway's own credentials (502), 429 keeps ``retry-after``, 529 "overloaded" and
5xx are 502 and retryable, another 4xx is passed on with Anthropic's message. The provider key
never appears in what the client gets.
"""

import json
from collections.abc import Mapping
from typing import Any

from runagents_gateway.llm import relay
from runagents_gateway.llm.chat import object_of
from runagents_gateway.llm.errors import LlmError, UpstreamError
from runagents_gateway.llm.routes import Route
from runagents_gateway.llm.upstream import RETRYABLE_STATUSES


def upstream_error(route: Route, status: int, headers: Mapping[str, str], content: bytes) -> LlmError:
    """The error for a non-2xx answer of Anthropic's API."""
    if status in (401, 403) or status >= 500:
        return relay.upstream_error(route, status, headers, content)
    text = _message_of(content) or content.decode("utf-8", "replace").strip() or f"status {status}"
    return UpstreamError(status, f"Model provider {route.provider!r} refused the request: {_redacted(route, text)}",
                         code="rate_limit_exceeded" if status == 429 else "upstream_error",
                         headers=forwarded_headers(headers),
                         retryable=status in RETRYABLE_STATUSES)


def stream_error(route: Route, event: dict[str, Any]) -> LlmError:
    """An ``error`` event in the middle of a stream (``overloaded_error`` mostly): the client has its
    answer's first chunks already, so nothing retries it."""
    error = object_of(event.get("error"))
    text = str(error.get("message") or error.get("type") or "unknown error")
    return LlmError(502, f"Model provider {route.provider!r} failed mid-stream: {_redacted(route, text)}",
                    code="upstream_error")


def forwarded_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """What the relay forwards (``retry-after``), and Anthropic's ``request-id`` as OpenAI's ``x-request-id``."""
    forwarded = relay.forwarded_headers(headers)
    request_id = headers.get("request-id")
    if request_id and "x-request-id" not in forwarded:
        forwarded["x-request-id"] = request_id
    return forwarded


def _message_of(content: bytes) -> str | None:
    """The message of Anthropic's error body, ``{"type": "error", "error": {"type", "message"}}``."""
    try:
        body = json.loads(content)
    except ValueError:
        return None
    message = object_of(object_of(body).get("error")).get("message")
    return message if isinstance(message, str) and message else None


def _redacted(route: Route, text: str) -> str:
    return relay.redacted(route, text.encode()).decode("utf-8", "replace")[:500]
