"""JSON lines between the runtime's server and the agent's process, over a socketpair of their own.

One JSON object per line, `type` saying which message it is.

Server to agent:
    {"type": "start", "entry": {"file", "adapter", "target", "module"}, "rules": [...], "cwd": str}
    {"type": "invoke", "id": str, "turn": {"message", "history", "context", "stream"}, "run": {...}}
        `run` holds the run identity the agent's outbound calls carry (see outbound.RunIdentity).
    {"type": "cancel", "id": str}      the caller went away: the turn's task is cancelled

Agent to server:
    {"type": "loaded", "adapter": str, "target": str}    once, after start
    {"type": "failed", "error": str}                     once, after start, instead of loaded
    {"type": "event", "id": str, "event": {...}}         agent_side.turn's events, in order
    {"type": "done", "id": str, "calls": {"llm": int, "tool": int, "other": int}}
    {"type": "error", "id": str, "error": {"title": str, "detail": str}}
        a turn ends with exactly one of done or error (none after a cancel).
"""

from __future__ import annotations

import json
from typing import Any

START = "start"
INVOKE = "invoke"
CANCEL = "cancel"
LOADED = "loaded"
FAILED = "failed"
EVENT = "event"
DONE = "done"
ERROR = "error"

LINE_LIMIT = 64 * 1024 * 1024
"""The longest line either side reads (a turn's history and an answer travel in one)."""

Message = dict[str, Any]


def encode(message: Message) -> bytes:
    """One line of the protocol; anything not JSON-able is sent as its str()."""
    return json.dumps(message, separators=(",", ":"), default=str).encode() + b"\n"


def decode(line: bytes) -> Message:
    """The message on a line; ValueError when it is not a JSON object with a type."""
    message = json.loads(line)
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ValueError(f"not a protocol message: {line[:200]!r}")
    return message
