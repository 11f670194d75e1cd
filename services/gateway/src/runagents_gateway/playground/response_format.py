"""Shaping a text reply to the request's `response_format` (text, json_object or json_schema)."""

import json
from typing import Any

from runagents_gateway.playground.errors import PlaygroundRequestError
from runagents_gateway.playground.schema_values import fill_schema


def format_reply(reply_text: str, response_format: Any) -> str:
    """`reply_text` as is, or as a JSON document when the request asks for JSON."""
    if response_format is None:
        return reply_text
    if not isinstance(response_format, dict):
        raise PlaygroundRequestError("'response_format' must be an object")
    format_type = response_format.get("type", "text")
    if format_type == "text":
        return reply_text
    if format_type == "json_object":
        return json.dumps({"reply": reply_text}, ensure_ascii=False)
    if format_type == "json_schema":
        json_schema = response_format.get("json_schema")
        schema = json_schema.get("schema") if isinstance(json_schema, dict) else None
        value = fill_schema(schema, fill_text=reply_text) if isinstance(schema, dict) else {}
        return json.dumps(value, ensure_ascii=False)
    raise PlaygroundRequestError(f"unknown response_format type {format_type!r}")
