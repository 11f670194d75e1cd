"""Shaping a text reply to the request's `response_format` (text, json_object or json_schema)."""

import json
from typing import Any

from runagents_gateway.playground.errors import PlaygroundRequestError
from runagents_gateway.playground.schema_values import fill_schema


def format_reply(reply_text: str, response_format: Any, prompt_schema: dict[str, Any] | None = None) -> str:
    """`reply_text` as is, or as a JSON document when the request asks for JSON.

    `prompt_schema`, a schema the prompt itself asks the answer to follow, shapes the answer when
    no response_format is given or when it is json_object (which names no schema).
    """
    if response_format is None:
        return _filled(prompt_schema, reply_text) if prompt_schema is not None else reply_text
    if not isinstance(response_format, dict):
        raise PlaygroundRequestError("'response_format' must be an object")
    format_type = response_format.get("type", "text")
    if format_type == "text":
        return reply_text
    if format_type == "json_object":
        if prompt_schema is not None:
            return _filled(prompt_schema, reply_text)
        return json.dumps({"reply": reply_text}, ensure_ascii=False)
    if format_type == "json_schema":
        json_schema = response_format.get("json_schema")
        schema = json_schema.get("schema") if isinstance(json_schema, dict) else None
        return _filled(schema if isinstance(schema, dict) else {}, reply_text)
    raise PlaygroundRequestError(f"unknown response_format type {format_type!r}")


def _filled(schema: dict[str, Any], reply_text: str) -> str:
    value = fill_schema(schema, fill_text=reply_text) if schema else {}
    return json.dumps(value, ensure_ascii=False)
