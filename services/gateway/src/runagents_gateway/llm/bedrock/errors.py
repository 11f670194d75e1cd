"""Bedrock's failures as the errors the client gets, in OpenAI's format.

Bedrock names a failure by its exception type: in the ``x-amzn-ErrorType`` header (or ``__type`` in
the body) of an HTTP error, in the ``:exception-type`` header of an exception event in a stream. The
message it gives is passed on with the provider key redacted.
"""

import json
from collections.abc import Mapping
from typing import Any

from runagents_gateway.llm.bedrock.eventstream import EventMessage
from runagents_gateway.llm.errors import LlmError, UpstreamError
from runagents_gateway.llm.relay import forwarded_headers, redacted
from runagents_gateway.llm.routes import Route
from runagents_gateway.llm.upstream import RETRYABLE_STATUSES

# Exception type (lower case) -> the HTTP status Bedrock answers it with, for exception events.
EXCEPTION_STATUSES = {
    "validationexception": 400,
    "servicequotaexceededexception": 400,
    "accessdeniedexception": 403,
    "resourcenotfoundexception": 404,
    "modeltimeoutexception": 408,
    "throttlingexception": 429,
    "modelnotreadyexception": 429,
    "modelerrorexception": 424,
    "modelstreamerrorexception": 424,
    "internalserverexception": 500,
    "serviceunavailableexception": 503,
}


def http_error(route: Route, status: int, headers: Mapping[str, str], content: bytes) -> UpstreamError:
    """The error for Bedrock's HTTP error answer."""
    content = redacted(route, content)
    body = _json_object(content)
    kind = _exception_type(headers.get("x-amzn-errortype") or body.get("__type") or body.get("code"))
    message = _message_of(body) or content.decode("utf-8", "replace").strip()
    return upstream_error(route, status, kind, message, forwarded(headers))


def exception_event_error(route: Route, event: EventMessage, headers: Mapping[str, str]) -> UpstreamError:
    """The error for an exception event that came before anything else (nothing reached the client
    yet, so it is answered like the same failure as an HTTP status)."""
    kind, message = describe_exception(route, event)
    status = EXCEPTION_STATUSES.get(kind.lower(), 502)
    return upstream_error(route, status, kind, message, forwarded(headers))


def mid_stream_error(route: Route, event: EventMessage) -> LlmError:
    """The error for an exception event after the answer began: the stream can only end with it."""
    kind, message = describe_exception(route, event)
    return LlmError(502, f"Model provider {route.provider!r} failed mid-stream: {kind}: {message[:500]}",
                    code="upstream_error")


def describe_exception(route: Route, event: EventMessage) -> tuple[str, str]:
    """An exception (or error) event's type and message, the key redacted."""
    payload = _json_object(redacted(route, event.payload))
    if event.message_type == "error":
        kind = event.header(":error-code") or "error"
        message = redacted(route, (event.header(":error-message") or "").encode()).decode()
    else:
        kind = event.header(":exception-type") or "exception"
        message = _message_of(payload)
    return kind, message or "no message"


def upstream_error(route: Route, status: int, kind: str | None, message: str,
                   headers: dict[str, str]) -> UpstreamError:
    name = (kind or "").lower()
    provider = f"Model provider {route.provider!r}"
    detail = f"{kind}: {message[:500]}" if kind else message[:500] or f"status {status}"
    if status in (401, 403):
        # The caller's credentials were fine; the gateway's Bedrock API key was not.
        return UpstreamError(502, f"{provider} rejected the gateway's credentials (status {status}).",
                             code="upstream_auth_failed", retryable=False)
    if name == "throttlingexception" or (status == 429 and name != "modelnotreadyexception"):
        return UpstreamError(429, f"{provider} is throttling requests: {detail}", code="rate_limit_exceeded",
                             headers=headers, retryable=True)
    if name == "modeltimeoutexception" or status == 408:
        return UpstreamError(504, f"{provider} did not answer in time: {detail}", code="upstream_timeout",
                             retryable=True)
    if status >= 500 or name in ("modelnotreadyexception", "modelerrorexception", "modelstreamerrorexception"):
        # The model or the service failed, not the request: another attempt or provider may succeed.
        return UpstreamError(502, f"{provider} failed (status {status}): {detail}", code="upstream_error",
                             retryable=True)
    return UpstreamError(status, f"{provider} refused the request: {detail}", code="upstream_error",
                         headers=headers, retryable=status in RETRYABLE_STATUSES)


def forwarded(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers the client may act on: the rate-limit ones, and Bedrock's request id."""
    kept = forwarded_headers(headers)
    request_id = headers.get("x-amzn-requestid")
    if request_id:
        kept["x-amzn-requestid"] = request_id
    return kept


def _exception_type(value: Any) -> str | None:
    """``ThrottlingException`` from ``ThrottlingException:http://internal.amazon.com/...`` or
    ``com.amazon.bedrock#ThrottlingException``."""
    if not isinstance(value, str) or not value:
        return None
    return value.split(":", 1)[0].rsplit("#", 1)[-1] or None


def _json_object(content: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(content)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _message_of(body: dict[str, Any]) -> str:
    for name in ("message", "Message"):
        if isinstance(body.get(name), str) and body[name]:
            return str(body[name])
    return ""
