"""A JSON schema written into the prompt for the answer to follow.

Output parsers put one there (LangChain's PydanticOutputParser and JsonOutputParser format
instructions, CrewAI's converter prompts) and expect a JSON document matching it back, with or
without `response_format` json_object. The schema is looked for in the system messages and the
latest user message, and only in those that mention JSON.
"""

import json
from typing import Any

from runagents_gateway.playground.text import content_text

INSTRUCTION_ROLES = ("system", "developer")
MAX_CANDIDATES = 200
"""Object openings tried per message, from its end: bounds the work on a long prompt."""


def requested_schema(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The schema the latest instructions ask the answer to follow, or None."""
    for text in reversed(_instruction_texts(messages)):
        if "json" in text.lower():
            schema = last_schema_in(text)
            if schema is not None:
                return schema
    return None


def last_schema_in(text: str) -> dict[str, Any] | None:
    """The last JSON object in `text` that is an object schema (its `properties` are schemas)."""
    decoder = json.JSONDecoder()
    position = len(text)
    for _ in range(MAX_CANDIDATES):
        position = text.rfind("{", 0, position)
        if position < 0:
            return None
        try:
            value, _ = decoder.raw_decode(text, position)
        except ValueError:
            continue
        if isinstance(value, dict) and _is_object_schema(value):
            return value
    return None


def _is_object_schema(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    properties = value.get("properties")
    return isinstance(properties, dict) and bool(properties) and all(isinstance(p, dict) for p in properties.values())


def _instruction_texts(messages: list[dict[str, Any]]) -> list[str]:
    latest_user = next((i for i in range(len(messages) - 1, -1, -1) if messages[i].get("role") == "user"), None)
    return [
        content_text(message.get("content"))
        for index, message in enumerate(messages)
        if message.get("role") in INSTRUCTION_ROLES or index == latest_user
    ]
