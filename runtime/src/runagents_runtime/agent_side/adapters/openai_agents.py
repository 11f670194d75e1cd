"""OpenAI Agents SDK: a module-level `agents.Agent`, run with Runner.run (streamed:
Runner.run_streamed, text deltas as content, tool calls and outputs as their events)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from runagents_runtime.agent_side.adapters.calling import finished, history_messages
from runagents_runtime.agent_side.rendering import response_text
from runagents_runtime.agent_side.turn import AgentSideEvent, RunTurn, Turn


def recognizes(obj: object) -> bool:
    return any(k.__name__ == "Agent" and k.__module__.split(".")[0] == "agents" for k in type(obj).__mro__)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return json.dumps(dump(mode="json"))
    return response_text(value)


def _field(raw: Any, name: str) -> Any:
    return raw.get(name) if isinstance(raw, dict) else getattr(raw, name, None)


def bind(obj: Any) -> RunTurn:
    from agents import Runner  # the agent's environment holds the SDK

    async def run(turn: Turn) -> AsyncIterator[AgentSideEvent]:
        items: Any = history_messages(turn) if turn.history else turn.message
        if not turn.stream:
            result = await Runner.run(obj, items)
            async for event in finished(turn, _text(result.final_output)):
                yield event
            return
        streamed = Runner.run_streamed(obj, items)
        names: dict[str, str] = {}
        any_delta = False
        async for event in streamed.stream_events():
            if event.type == "raw_response_event":
                data = event.data
                if getattr(data, "type", None) == "response.output_text.delta" and getattr(data, "delta", ""):
                    any_delta = True
                    yield {"type": "content", "delta": data.delta}
            elif event.type == "run_item_stream_event":
                item, raw = event.item, event.item.raw_item
                if item.type == "tool_call_item":
                    call_id = str(_field(raw, "call_id") or _field(raw, "id") or "")
                    name = str(_field(raw, "name") or "")
                    names[call_id] = name
                    yield {"type": "tool_call", "id": call_id, "name": name,
                           "arguments": str(_field(raw, "arguments") or "")}
                elif item.type == "tool_call_output_item":
                    call_id = str(_field(raw, "call_id") or "")
                    yield {"type": "tool_result", "id": call_id, "name": names.get(call_id, ""),
                           "content": _text(item.output)}
        async for event in finished(turn, _text(streamed.final_output), streamed=any_delta):
            yield event

    return run
