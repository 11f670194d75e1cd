"""LangGraph: a compiled graph (StateGraph(...).compile(), create_react_agent, LangChain 1.x's
create_agent), always through astream, so sync and async nodes both run.

Input: {"messages": history + the user's message} (or the graph's one text input field); the
`context` is built from the graph's context schema defaults (LangGraph >= 0.6), older graphs get
their config schema's defaults as `configurable`. Output: the last AI message's text. Streamed:
tokens of AI messages as content (stream_mode "messages"), tool calls and results from the
AIMessage.tool_calls and ToolMessages of the state ("values").
"""

from __future__ import annotations

import dataclasses
import inspect
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

from runagents_runtime.agent_side.adapters.support import content_text, finished, history_messages
from runagents_runtime.agent_side.rendering import response_text
from runagents_runtime.agent_side.turn import AgentSideEvent, RunTurn, Turn

RECURSION_LIMIT = 50
INPUT_NAMES = ("question", "query", "input", "message", "topic", "text", "user_input", "prompt")
"""A graph whose state holds no messages takes the message in the first of these its input names."""


def recognizes(obj: object) -> bool:
    return any(k.__name__ in ("CompiledStateGraph", "CompiledGraph", "Pregel")
               and k.__module__.split(".")[0] == "langgraph" for k in type(obj).__mro__)


def schema_defaults(schema: Any) -> Any:
    """An instance of a context/config schema with its defaults; None when it needs values."""
    if schema is None or schema in (dict, Any):
        return None
    try:
        if dataclasses.is_dataclass(schema) or hasattr(schema, "model_fields"):
            return schema()
        if isinstance(schema, type) and issubclass(schema, dict):
            return {}
    except Exception:  # a schema with required fields: the graph runs without a context
        return None
    return None


def _context_schema(graph: Any) -> Any:
    for owner in (graph, getattr(graph, "builder", None)):
        schema = getattr(owner, "context_schema", None)
        if schema is not None:
            return schema
    return None


def _input_field(graph: Any) -> str | None:
    """The graph's input key for the message: "messages", else its one required text field."""
    try:
        properties = graph.get_input_jsonschema().get("properties", {})
    except Exception:  # pydantic cannot read every schema (typing.TypedDict before 3.12): the channels
        schema = getattr(getattr(graph, "builder", None), "input_schema", None)
        properties = {str(name): {} for name in getattr(schema, "__annotations__", {})}
    if not properties or "messages" in properties:
        return "messages"
    named = [str(name) for name in INPUT_NAMES if name in properties]
    if named:
        return named[0]
    texts = [str(name) for name, p in properties.items() if p.get("type") == "string"]
    return texts[0] if len(texts) == 1 else "messages"


def graph_input(graph: Any, turn: Turn) -> dict[str, Any]:
    field = _input_field(graph)
    if field is None or field == "messages":
        return {"messages": history_messages(turn, with_message=True)}
    return {field: turn.message}


def run_options(graph: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(config, keyword arguments) for astream: the context, or the older configurable defaults."""
    config: dict[str, Any] = {"recursion_limit": RECURSION_LIMIT}
    kwargs: dict[str, Any] = {}
    schema = _context_schema(graph)
    if schema is not None and "context" in inspect.signature(graph.astream).parameters:
        context = schema_defaults(schema)
        if context is not None:
            kwargs["context"] = context
    old_schema = getattr(getattr(graph, "builder", None), "config_schema", None)
    if schema is None and old_schema is not None:
        defaults = schema_defaults(old_schema)
        if defaults is not None:
            is_instance = dataclasses.is_dataclass(defaults) and not isinstance(defaults, type)
            values = dataclasses.asdict(defaults) if is_instance else dict(defaults)
            config["configurable"] = values
    return config, kwargs


def _kind(message: Any) -> str:
    if isinstance(message, Mapping):
        return str(message.get("type") or message.get("role") or "")
    return str(getattr(message, "type", ""))


def _get(message: Any, name: str) -> Any:
    return message.get(name) if isinstance(message, Mapping) else getattr(message, name, None)


def final_text(state: Any) -> str:
    """The last AI message's text, or the state rendered when it holds no messages."""
    messages = state.get("messages") if isinstance(state, Mapping) else None
    if isinstance(messages, list) and messages:
        for message in reversed(messages):
            if _kind(message) in ("ai", "assistant", "AIMessageChunk"):
                return content_text(_get(message, "content"))
        return content_text(_get(messages[-1], "content"))
    if isinstance(state, Mapping):
        for key in ("answer", "response", "output", "result", "final_answer"):
            if key in state:
                return response_text(state[key])
        without = {k: v for k, v in state.items() if k != "messages"}
        if len(without) == 1:
            return response_text(next(iter(without.values())))
        return response_text(without)
    return response_text(state)


def tool_events(messages: list[Any], names: dict[str, str]) -> list[AgentSideEvent]:
    events: list[AgentSideEvent] = []
    for message in messages:
        kind = _kind(message)
        if kind in ("ai", "assistant"):
            for call in _get(message, "tool_calls") or []:
                call_id = str(call.get("id") or "")
                names[call_id] = str(call.get("name") or "")
                events.append({"type": "tool_call", "id": call_id, "name": names[call_id],
                               "arguments": json.dumps(call.get("args") or {})})
        elif kind == "tool":
            call_id = str(_get(message, "tool_call_id") or "")
            events.append({"type": "tool_result", "id": call_id,
                           "name": str(_get(message, "name") or names.get(call_id, "")),
                           "content": content_text(_get(message, "content"))})
    return events


def bind(obj: Any) -> RunTurn:
    graph = obj
    config, kwargs = run_options(graph)

    async def run(turn: Turn) -> AsyncIterator[AgentSideEvent]:
        modes = ["messages", "values"] if turn.stream else ["values"]
        state: Any = None
        seen = len(turn.history) + 1
        names: dict[str, str] = {}
        any_delta = False
        async for mode, data in graph.astream(graph_input(graph, turn), config, stream_mode=modes, **kwargs):
            if mode == "messages":
                chunk, _metadata = data
                if type(chunk).__name__ == "AIMessageChunk":
                    text = content_text(chunk.content)
                    if text:
                        any_delta = True
                        yield {"type": "content", "delta": text}
            elif mode == "values":
                state = data
                messages = data.get("messages") if isinstance(data, Mapping) else None
                if isinstance(messages, list):
                    for event in tool_events(messages[seen:], names):
                        yield event
                    seen = max(seen, len(messages))
        async for event in finished(turn, final_text(state), streamed=any_delta):
            yield event

    return run
