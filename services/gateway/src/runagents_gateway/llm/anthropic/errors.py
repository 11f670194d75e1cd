"""Errors in Anthropic's format: ``{"type": "error", "error": {"type", "message"}}``."""

import json

from fastapi.responses import JSONResponse, Response

from runagents_gateway.llm.errors import LlmError
from runagents_gateway.llm.handlers import LlmRoute

_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    503: "overloaded_error",
    504: "timeout_error",
    529: "overloaded_error",
}


def error_type(status: int) -> str:
    """Anthropic's error type for an HTTP status."""
    return _TYPES.get(status, "invalid_request_error" if status < 500 else "api_error")


def error_body(error: LlmError) -> dict[str, object]:
    return {"type": "error", "error": {"type": error_type(error.status), "message": _message(error)}}


def error_response(error: LlmError) -> Response:
    """``error`` in Anthropic's format, with its status and headers (``retry-after`` on a 429)."""
    return JSONResponse(error_body(error), status_code=error.status, headers=error.headers)


class AnthropicRoute(LlmRoute):
    """A route of Anthropic's wire: its failures are answered in Anthropic's error format."""

    def render_error(self, error: LlmError) -> Response:
        return error_response(error)


def _message(error: LlmError) -> str:
    """The error's message; for an upstream's own OpenAI-format error, the message it gave."""
    if error.raw_body is None:
        return error.message
    try:
        upstream = json.loads(error.raw_body)
    except ValueError:
        return error.message
    inner = upstream.get("error") if isinstance(upstream, dict) else None
    message = inner.get("message") if isinstance(inner, dict) else None
    return message if isinstance(message, str) and message else error.message
