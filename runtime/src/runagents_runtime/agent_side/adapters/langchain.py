"""LangChain: an AgentExecutor (ainvoke({"input": ...}) -> "output"), any Runnable or chain
(given the message as its input type asks), and LangChain 1.x's create_agent agents, which are
LangGraph graphs and run through the langgraph adapter."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

from runagents_runtime.agent_side.adapters import langgraph
from runagents_runtime.agent_side.adapters.support import content_text, finished
from runagents_runtime.agent_side.rendering import response_text
from runagents_runtime.agent_side.turn import AgentSideEvent, RunTurn, Turn

TEXT_KEYS = ("input", "question", "query", "message", "topic", "text")


def recognizes(obj: object) -> bool:
    return callable(getattr(obj, "ainvoke", None)) or callable(getattr(obj, "invoke", None))


def _is_executor(obj: Any) -> bool:
    return any(k.__name__ == "AgentExecutor" for k in type(obj).__mro__)


def _history(turn: Turn) -> list[tuple[str, str]]:
    return [("ai" if m["role"] == "assistant" else "human", m["content"]) for m in turn.history]


def runnable_input(obj: Any, turn: Turn) -> Any:
    """The message shaped as the runnable's input schema asks: a dict of its text keys, a message
    list, or the string itself."""
    keys = list(getattr(obj, "input_keys", None) or [])
    if _is_executor(obj) and not keys:
        # A runnable agent declares no input keys: its prompt's variables say what it reads.
        keys = ["input", *(k for k in _schema_keys(getattr(getattr(obj, "agent", None), "runnable", None))
                           if k in ("chat_history", "history"))]
    if not keys:
        try:
            schema = obj.get_input_jsonschema()
        except Exception:  # a runnable without an inspectable schema takes the string
            schema = {}
        if schema.get("type") == "object":
            keys = list(schema.get("properties", {}))
        elif schema.get("type") == "array":
            return [*_history(turn), ("human", turn.message)]
    if not keys:
        return turn.message
    values: dict[str, Any] = {}
    for key in keys:
        if key in ("chat_history", "history"):
            values[key] = _history(turn)
        elif key == "messages":
            values[key] = [*_history(turn), ("human", turn.message)]
        elif key == "agent_scratchpad" or key == "intermediate_steps":
            continue
        elif key in TEXT_KEYS or len(keys) == 1:
            values[key] = turn.message
    if not any(k in values for k in (*TEXT_KEYS, "messages")) and keys:
        values[keys[0]] = turn.message
    return values


def _schema_keys(runnable: Any) -> list[str]:
    try:
        return list(runnable.get_input_jsonschema().get("properties", {}))
    except Exception:  # no runnable, or a schema pydantic cannot read
        return []


def output_text(result: Any) -> str:
    if isinstance(result, Mapping):
        for key in ("output", "answer", "response", "result", "text"):
            if key in result:
                return output_text(result[key])
    content = getattr(result, "content", None)
    if content is not None:
        return content_text(content)
    return response_text(result)


def bind(obj: Any) -> RunTurn:
    if langgraph.recognizes(obj):
        return langgraph.bind(obj)
    executor = _is_executor(obj)

    async def run(turn: Turn) -> AsyncIterator[AgentSideEvent]:
        value = runnable_input(obj, turn)
        if not turn.stream:
            result = await obj.ainvoke(value)
            async for event in finished(turn, output_text(result)):
                yield event
            return
        pieces: list[str] = []
        final: Any = None
        async for chunk in obj.astream(value):
            if executor and isinstance(chunk, Mapping):
                for event in _executor_events(chunk):
                    yield event
                if "output" in chunk:
                    final = chunk["output"]
                continue
            text = content_text(getattr(chunk, "content", chunk)) if not isinstance(chunk, Mapping) else ""
            if text:
                pieces.append(text)
                yield {"type": "content", "delta": text}
            else:
                final = chunk
        text = output_text(final) if final is not None and not pieces else "".join(pieces)
        async for event in finished(turn, text, streamed=bool(pieces)):
            yield event

    return run


def _executor_events(chunk: Mapping[str, Any]) -> list[AgentSideEvent]:
    events: list[AgentSideEvent] = []
    for action in chunk.get("actions", []) or []:
        call_id = str(getattr(action, "tool_call_id", "") or id(action))
        events.append({"type": "tool_call", "id": call_id, "name": str(getattr(action, "tool", "")),
                       "arguments": json.dumps(getattr(action, "tool_input", ""), default=str)})
    for step in chunk.get("steps", []) or []:
        action = getattr(step, "action", None)
        call_id = str(getattr(action, "tool_call_id", "") or id(action))
        events.append({"type": "tool_result", "id": call_id, "name": str(getattr(action, "tool", "")),
                       "content": response_text(getattr(step, "observation", ""))})
    return events
