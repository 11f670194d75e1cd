"""Turning whatever the agent's code returns into the text a person reads, never a Python repr."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

_ANSWER_KEYS = ("response", "output")
# Attributes that SDK results carry their answer in, most specific first: a message's text, an
# agent run's output (Pydantic AI .output, older .data; OpenAI Agents .final_output), a chat
# response's message (LlamaIndex), a CrewAI output's .raw.
_TEXT_ATTRIBUTES = ("content", "text", "raw", "final_output", "output", "data", "response", "message")
_DEFAULT_REPR = re.compile(r"^<[\w.]+ object at 0x[0-9a-fA-F]+>$")
_MAX_DEPTH = 8


def response_text(result: Any) -> str:
    """Return the answer text of a handler, chain, graph, crew, agent or main() result.

    Dicts give their "response", "output" or last message's content; message-like objects give
    their `.content` (a list of content blocks gives the text of its text blocks, Anthropic-style
    {"type": "text", "text": ...} or objects with `.text`); CrewAI outputs their `.raw`; agent run
    results their output; a pydantic model or a dataclass gives JSON; any other object JSON of its
    public attributes, else its `str()` unless that is the default `<... object at 0x..>` repr.
    """
    return _text(result, 0)


def _text(result: Any, depth: int) -> str:
    if result is None:
        return ""
    if isinstance(result, str):
        return result
    if isinstance(result, bytes | bytearray):
        return bytes(result).decode("utf-8", errors="replace")
    if isinstance(result, bool | int | float):
        return json.dumps(result)
    if depth > _MAX_DEPTH:
        return _json_or_placeholder(result)
    if isinstance(result, Mapping):
        return _mapping_text(result, depth)
    if isinstance(result, Sequence):
        return _sequence_text(result, depth)
    choices = getattr(result, "choices", None)  # an OpenAI chat completion
    if isinstance(choices, Sequence) and not isinstance(choices, str) and choices:
        return _text(getattr(choices[0], "message", choices[0]), depth + 1)
    for attribute in _TEXT_ATTRIBUTES:
        value = _attribute(result, attribute)
        if value is None or callable(value):
            continue
        if isinstance(value, str):
            return value
        if attribute in ("content", "output", "final_output", "data", "response", "message"):
            return _text(value, depth + 1)
    return _json_or_placeholder(result)


def _attribute(obj: Any, name: str) -> Any:
    try:
        return getattr(obj, name, None)
    except Exception:  # a property that raises has no text to give
        return None


def _mapping_text(result: Mapping[str, Any], depth: int) -> str:
    for key in _ANSWER_KEYS:
        if key in result:
            return _text(result[key], depth + 1)
    if result.get("type") == "text" and isinstance(result.get("text"), str):
        return str(result["text"])
    if "role" in result and "content" in result:  # a chat message
        return _text(result["content"], depth + 1)
    messages = result.get("messages")
    if isinstance(messages, Sequence) and not isinstance(messages, str) and messages:
        last = messages[-1]
        return _text(last["content"] if isinstance(last, Mapping) and "content" in last else last, depth + 1)
    return _json(result)


def _sequence_text(items: Sequence[Any], depth: int) -> str:
    """Content blocks give the text of their text blocks, strings one a line; any other list is JSON."""
    if items and all(isinstance(item, str) for item in items):
        return "\n".join(items)
    texts = [text for text in (_block_text(item) for item in items) if text is not None]
    if items and texts and len(texts) == sum(1 for item in items if not _is_non_text_block(item)):
        return "".join(texts)
    if not items:
        return ""
    return _json(list(items))


def _block_text(item: Any) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping):
        text = item.get("text")
        return text if isinstance(text, str) and item.get("type", "text") == "text" else None
    text = _attribute(item, "text")
    return text if isinstance(text, str) else None


def _is_non_text_block(item: Any) -> bool:
    """A tool-use or image block beside text blocks: skipped, not rendered."""
    kind = item.get("type") if isinstance(item, Mapping) else _attribute(item, "type")
    return isinstance(kind, str) and kind != "text"


def _json_or_placeholder(result: Any) -> str:
    structured = _structured(result)
    if structured is not None:
        return structured
    public = _public_attributes(result)
    if public:
        try:
            return _json(public)
        except (TypeError, ValueError, RecursionError):  # circular or unencodable: fall back to str
            pass
    text = str(result)
    if _DEFAULT_REPR.match(text):
        return f"[{type(result).__name__} with no text]"
    return text


def _structured(result: Any) -> str | None:
    """JSON of a pydantic model (v2 or v1) or a dataclass instance."""
    dump_json = _attribute(result, "model_dump_json")
    if callable(dump_json) and not isinstance(result, type):
        try:
            return str(dump_json())
        except Exception:
            pass
    if hasattr(result, "__fields__") and callable(_attribute(result, "json")) and not isinstance(result, type):
        try:
            return str(result.json())
        except Exception:
            pass
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        try:
            return _json(dataclasses.asdict(result))
        except Exception:
            return _json({f.name: getattr(result, f.name, None) for f in dataclasses.fields(result)})
    return None


def _public_attributes(result: Any) -> dict[str, Any]:
    attributes = getattr(result, "__dict__", None)
    if not isinstance(attributes, dict):
        return {}
    return {name: value for name, value in attributes.items() if not name.startswith("_") and not callable(value)}


def _json(value: Any) -> str:
    try:
        return json.dumps(value, default=_json_default, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):  # circular: values as strings
        return json.dumps(value, default=str, ensure_ascii=False) if isinstance(value, dict | list) else str(value)


def _json_default(value: Any) -> Any:
    structured = _structured(value)
    if structured is not None:
        try:
            return json.loads(structured)
        except ValueError:
            return structured
    public = _public_attributes(value)
    if public:
        return public
    text = str(value)
    return f"[{type(value).__name__}]" if _DEFAULT_REPR.match(text) else text
