"""Server-Sent Events encoding of agent events for POST /invoke/stream."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from runagents_runtime.events import AgentAnswer, AgentEvent, ContentDelta, ToolCallAnswered, ToolCallRequested

DONE_FRAME = "data: [DONE]\n\n"


def sse_frame(payload: dict[str, Any]) -> str:
    """Return one `data:` frame carrying compact JSON."""
    return f"data: {json.dumps(payload, separators=(',', ':'))}\n\n"


def event_payload(event: AgentEvent, *, request_id: str, duration_ms: int) -> dict[str, Any]:
    """Return the JSON object streamed for an agent event."""
    if isinstance(event, ContentDelta):
        return {"type": "content", "delta": event.text}
    if isinstance(event, ToolCallRequested):
        return {"type": "tool_call", "tool": event.function, "arguments": event.arguments}
    if isinstance(event, ToolCallAnswered):
        return {"type": "tool_result", "tool": event.function, "result": event.result, "status": event.status}
    return done_payload(event, request_id=request_id, duration_ms=duration_ms)


def error_payload(status: int, title: str, detail: str, *, problem_type: str = "about:blank") -> dict[str, Any]:
    """Return an in-band error event, for failures after the 200 response has started."""
    return {"type": "error", "status": status, "title": title, "detail": detail, "problem_type": problem_type}


def done_payload(answer: AgentAnswer, *, request_id: str, duration_ms: int) -> dict[str, Any]:
    """Return the closing `done` event of a turn."""
    return {
        "type": "done",
        "model": answer.model,
        "response": answer.response,
        "usage": asdict(answer.usage),
        "tool_calls_made": [asdict(record) for record in answer.tool_calls_made],
        "duration_ms": duration_ms,
        "request_id": request_id,
    }
