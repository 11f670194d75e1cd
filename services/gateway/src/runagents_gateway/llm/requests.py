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


def raw_with_usage_in_stream(body: dict[str, Any], raw: bytes) -> bytes:
    """``raw``, the bytes ``body`` was read from, asking for usage in the stream as ``with_usage_in_stream``
    does, by appending the option rather than serialising the request again (an agent's conversation
    is often tens of kilobytes); empty when appending cannot do it (the client sent stream_options)."""
    if not body or "stream_options" in body:
        return b""
    end = raw.rstrip().rfind(b"}")
    return raw[:end] + b',"stream_options":{"include_usage":true}}' if end > 0 else b""


def part_type(part: Any, at: str) -> str:
    """The ``type`` of a message content part, or a 400 naming where it is."""
    if not isinstance(part, dict) or not isinstance(part.get("type"), str):
        raise bad_request(f"{at} must be a content part object with a 'type'.")
    return str(part["type"])


def function_calls(message: dict[str, Any], where: str) -> list[tuple[str, str, dict[str, Any]]]:
    """An assistant message's tool calls, each as ``function_call`` reads it."""
    tool_calls = message.get("tool_calls")
    if tool_calls is None:
        return []
    if not isinstance(tool_calls, list):
        raise bad_request(f"{where}.tool_calls must be a list.")
    return [function_call(tool_call, f"{where}.tool_calls[{index}]") for index, tool_call in enumerate(tool_calls)]


def answered_call_id(message: dict[str, Any], where: str) -> str:
    """The ``tool_call_id`` a tool message answers, or a 400."""
    tool_call_id = message.get("tool_call_id")
    if not isinstance(tool_call_id, str) or not tool_call_id:
        raise bad_request(f"{where}: a tool message needs a string 'tool_call_id'.")
    return tool_call_id


def function_call(tool_call: Any, at: str) -> tuple[str, str, dict[str, Any]]:
    """An assistant message's tool call as (id, function name, arguments as an object), or a 400."""
    function = tool_call.get("function") if isinstance(tool_call, dict) else None
    if not isinstance(function, dict) or not isinstance(tool_call.get("id"), str) or not tool_call["id"] \
            or not isinstance(function.get("name"), str) or not function["name"]:
        raise bad_request(f"{at} must be a function call with a string 'id' and 'function.name'.")
    return tool_call["id"], function["name"], tool_input(function.get("arguments"))


def function_tool(tool: Any, at: str, provider: str) -> tuple[str, str | None, dict[str, Any]]:
    """A function tool of the request as (name, description, parameters schema), or a 400; no
    ``parameters`` is an object schema without properties. ``provider`` names who cannot take others."""
    if not isinstance(tool, dict) or tool.get("type", "function") != "function":
        kind = tool.get("type") if isinstance(tool, dict) else None
        raise bad_request(f"{at}: tool type {kind!r} is not supported; {provider} takes function tools.",
                          code="unsupported_tool")
    function = tool.get("function")
    if not isinstance(function, dict) or not isinstance(function.get("name"), str) or not function["name"]:
        raise bad_request(f"{at} needs a 'function' with a string 'name'.")
    parameters = function.get("parameters")
    if parameters is None:
        parameters = {"type": "object", "properties": {}}
    if not isinstance(parameters, dict):
        raise bad_request(f"{at}.function.parameters must be a JSON schema object.")
    description = function.get("description")
    return function["name"], description if isinstance(description, str) and description else None, parameters


def tool_input(arguments: Any) -> dict[str, Any]:
    """A chat tool call's arguments as the object other wires want (tool_use ``input``, toolUse ``input``).

    Arguments that are not a JSON object (a model's malformed output) are kept, not dropped,
    under ``_raw_arguments`` so the agent can see what the model said.
    """
    if not arguments:
        return {}
    try:
        parsed = json.loads(arguments) if isinstance(arguments, str) else arguments
    except ValueError:
        parsed = None
    return parsed if isinstance(parsed, dict) else {"_raw_arguments": arguments}


def _too_large(limit: int) -> LlmError:
    return LlmError(413, f"The request body is larger than {limit} bytes.", code="request_too_large")
