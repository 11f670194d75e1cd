"""A deterministic token-count approximation: one token per four characters, rounded up."""

import json
import math
from typing import Any

from runagents_gateway.playground.text import content_text

CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def prompt_tokens(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> int:
    """Tokens of every message's content and tool calls plus the tool definitions."""
    pieces = [_message_text(message) for message in messages]
    if tools:
        pieces.append(json.dumps(tools, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
    return estimate_tokens("".join(pieces))


def completion_tokens(message: dict[str, Any]) -> int:
    return estimate_tokens(_message_text(message))


def _message_text(message: dict[str, Any]) -> str:
    pieces = [content_text(message.get("content"))]
    for tool_call in message.get("tool_calls") or []:
        function = tool_call.get("function") if isinstance(tool_call, dict) else None
        if not isinstance(function, dict):
            continue
        pieces.append(str(function.get("name") or ""))
        pieces.append(str(function.get("arguments") or ""))
    return "".join(pieces)
