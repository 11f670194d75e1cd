"""Turning whatever the agent's code returns into the text a person reads."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

_ANSWER_KEYS = ("response", "output")


def response_text(result: Any) -> str:
    """Return the answer text of a handler, chain, graph, crew or main() result.

    Dicts give their "response", "output" or last message's content; message-like objects give
    their `.content`; CrewAI outputs their `.raw`; anything else its `str()`.
    """
    if result is None:
        return ""
    if isinstance(result, str):
        return result
    if isinstance(result, Mapping):
        return _mapping_text(result)
    for attribute in ("content", "raw"):
        value = getattr(result, attribute, None)
        if isinstance(value, str):
            return value
    return str(result)


def _mapping_text(result: Mapping[str, Any]) -> str:
    for key in _ANSWER_KEYS:
        if key in result:
            return response_text(result[key])
    messages = result.get("messages")
    if isinstance(messages, Sequence) and not isinstance(messages, str) and messages:
        last = messages[-1]
        return response_text(last["content"] if isinstance(last, Mapping) and "content" in last else last)
    return json.dumps(result, default=str)
