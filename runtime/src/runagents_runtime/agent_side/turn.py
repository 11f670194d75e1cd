"""One turn of a conversation as the agent side receives it, and the events it answers with."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

AgentSideEvent = dict[str, Any]
"""JSON-able, one of:
{"type": "content", "delta": str}
{"type": "tool_call", "id": str, "name": str, "arguments": str}
{"type": "tool_result", "id": str, "name": str, "content": str}
{"type": "answer", "text": str}   (last, exactly once)
"""


@dataclass(frozen=True)
class Turn:
    """The user's message, the earlier messages ({"role", "content"}), the run's context, and
    whether the caller streams (an adapter may then yield content deltas as they come)."""

    message: str
    history: list[dict[str, str]] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    """tools ({name: url}), llm_url, model, system_prompt, models ({role: {model, provider}})."""
    stream: bool = False


RunTurn = Callable[[Turn], AsyncIterator[AgentSideEvent]]
