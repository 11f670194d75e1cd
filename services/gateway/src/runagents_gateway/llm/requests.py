"""Reading an OpenAI-format request body: JSON kept as sent, so a relay can forward the bytes."""

import json
from typing import Any

from fastapi import Request

from runagents_gateway.llm.errors import LlmError, bad_request


async def read_json_object(request: Request, limit: int) -> tuple[dict[str, Any], bytes]:
    """The body as a dict and as the bytes that came, or a 400/413 in OpenAI's format."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    raw = await request.body()
    if len(raw) > limit:
        raise _too_large(limit)
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise bad_request("The request body is not valid JSON.", code="invalid_json") from exc
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body, raw


def requested_model(body: dict[str, Any]) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise bad_request("'model' is required and must be a non-empty string.", code="missing_model")
    return model


def wants_stream(body: dict[str, Any]) -> bool:
    stream = body.get("stream", False)
    if stream is None:
        return False
    if not isinstance(stream, bool):
        raise bad_request("'stream' must be a boolean.")
    return stream


def number(value: Any, name: str) -> float:
    """The request's numeric parameter ``name`` (temperature, top_p), or a 400."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_request(f"'{name}' must be a number.")
    return value


def stream_options(body: dict[str, Any]) -> dict[str, Any]:
    options = body.get("stream_options")
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise bad_request("'stream_options' must be an object.")
    return options


def with_usage_in_stream(body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """``body`` asking for usage in the stream's last chunk, and whether the client asked for it itself.

    The gateway always asks, to count the tokens; it shows the usage chunk only to clients that asked.
    """
    options = stream_options(body)
    if options.get("include_usage") is True:
        return body, True
    return {**body, "stream_options": {**options, "include_usage": True}}, False


def _too_large(limit: int) -> LlmError:
    return LlmError(413, f"The request body is larger than {limit} bytes.", code="request_too_large")
