"""Pydantic AI agents: `await agent.run(message, message_history=...)`, the run's `.output` (older
releases: `.data`); structured output (a pydantic model, a dataclass) as JSON.

An agent declaring `deps_type` gets deps built from the type's defaults where it can be (a
dataclass whose fields have defaults or types that construct without arguments, such as an httpx
client), since the example scripts build them in their main(). Tool calls and results come from the
run's new messages; streamed runs use `run_stream_events` (text deltas as content), or in releases
before it the nodes of `agent.iter`, each streamed.
"""

from __future__ import annotations

import dataclasses
import importlib
import typing
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

from runagents_runtime.agent_side.adapters.support import call, history_messages, is_instance_of, text_of
from runagents_runtime.agent_side.turn import AgentSideEvent, RunTurn, Turn


def recognizes(obj: object) -> bool:
    return is_instance_of(obj, "pydantic_ai", ("Agent", "AbstractAgent"))


def bind(obj: Any) -> RunTurn:
    built: list[Any] = []  # the deps, built at the first turn (on the running loop) and kept

    async def run(turn: Turn) -> AsyncIterator[AgentSideEvent]:
        kwargs: dict[str, Any] = {}
        if turn.history:
            kwargs["message_history"] = _message_history(turn)
        if not built:
            built.append(default_deps(getattr(obj, "deps_type", None)))
        if built[0] is not None:
            kwargs["deps"] = built[0]
        if turn.stream and callable(getattr(obj, "run_stream_events", None)):
            async for event in _streamed(obj, turn.message, kwargs):
                yield event
            return
        if turn.stream and callable(getattr(obj, "iter", None)):
            async for event in _streamed_by_nodes(obj, turn.message, kwargs):
                yield event
            return
        result = await call(obj.run, turn.message, **kwargs)
        for event in _tool_events(_new_messages(result)):
            yield event
        yield {"type": "answer", "text": output_text(result)}

    return run


def output_text(result: Any) -> str:
    output = getattr(result, "output", None)
    if output is None:
        output = getattr(result, "data", None)
    return text_of(output)


async def _streamed(agent: Any, message: str, kwargs: dict[str, Any]) -> AsyncIterator[AgentSideEvent]:
    events = agent.run_stream_events(message, **kwargs)
    result: Any = None
    if isinstance(events, AbstractAsyncContextManager) or hasattr(events, "__aenter__"):
        async with events as stream:
            async for event in stream:
                result = _result_of(event, result)
                for translated in _stream_event(event):
                    yield translated
    else:
        async for event in events:
            result = _result_of(event, result)
            for translated in _stream_event(event):
                yield translated
    yield {"type": "answer", "text": output_text(result) if result is not None else ""}


async def _streamed_by_nodes(agent: Any, message: str, kwargs: dict[str, Any]) -> AsyncIterator[AgentSideEvent]:
    """Releases before run_stream_events: the graph's nodes through `agent.iter`, each model request
    and tool-calling node streamed, as Pydantic AI documents it."""
    async with agent.iter(message, **kwargs) as agent_run:
        async for node in agent_run:
            if not (agent.is_model_request_node(node) or agent.is_call_tools_node(node)):
                continue
            async with node.stream(agent_run.ctx) as node_events:
                async for event in node_events:
                    for translated in _stream_event(event):
                        yield translated
        result = agent_run.result
    yield {"type": "answer", "text": output_text(result) if result is not None else ""}


def _result_of(event: Any, previous: Any) -> Any:
    return event.result if type(event).__name__ == "AgentRunResultEvent" else previous


def _stream_event(event: Any) -> list[AgentSideEvent]:
    kind = type(event).__name__
    if kind == "PartStartEvent":
        part = event.part
        content = getattr(part, "content", None)
        if type(part).__name__ == "TextPart" and isinstance(content, str) and content:
            return [{"type": "content", "delta": content}]
    elif kind == "PartDeltaEvent":
        delta = getattr(event.delta, "content_delta", None)
        if type(event.delta).__name__ == "TextPartDelta" and isinstance(delta, str) and delta:
            return [{"type": "content", "delta": delta}]
    elif kind == "FunctionToolCallEvent":
        return [_tool_call(event.part)]
    elif kind == "FunctionToolResultEvent":
        part = getattr(event, "result", None) or getattr(event, "part", None)
        if part is not None:
            return [_tool_result(part)]
    return []


def _new_messages(result: Any) -> list[Any]:
    for name in ("new_messages", "all_messages"):
        method = getattr(result, name, None)
        if callable(method):
            try:
                return list(method())
            except Exception:  # a release whose result cannot list its messages: no tool events
                return []
    return []


def _tool_events(messages: list[Any]) -> list[AgentSideEvent]:
    events: list[AgentSideEvent] = []
    for message in messages:
        for part in getattr(message, "parts", ()):
            kind = type(part).__name__
            if kind == "ToolCallPart":
                events.append(_tool_call(part))
            elif kind == "ToolReturnPart":
                events.append(_tool_result(part))
    return events


def _tool_call(part: Any) -> AgentSideEvent:
    arguments = part.args_as_json_str() if callable(getattr(part, "args_as_json_str", None)) else text_of(part.args)
    return {
        "type": "tool_call",
        "id": str(part.tool_call_id or ""),
        "name": str(part.tool_name),
        "arguments": arguments,
    }


def _tool_result(part: Any) -> AgentSideEvent:
    return {
        "type": "tool_result",
        "id": str(getattr(part, "tool_call_id", "") or ""),
        "name": str(getattr(part, "tool_name", "") or ""),
        "content": text_of(getattr(part, "content", None)),
    }


def default_deps(deps_type: Any) -> Any:
    """An instance of `deps_type` built from defaults, or None when there is none to build."""
    if deps_type is None or deps_type is type(None) or not isinstance(deps_type, type):
        return None
    if not dataclasses.is_dataclass(deps_type):
        try:
            return deps_type()
        except Exception:
            return None
    try:
        hints = typing.get_type_hints(deps_type)
    except Exception:
        hints = {}
    values: dict[str, Any] = {}
    for field in dataclasses.fields(deps_type):
        if not field.init:
            continue
        if field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING:
            continue
        field_type = hints.get(field.name)
        if not isinstance(field_type, type):
            return None
        try:
            values[field.name] = field_type()
        except Exception:
            return None
    try:
        return deps_type(**values)
    except Exception:
        return None


def _message_history(turn: Turn) -> list[Any]:
    messages = importlib.import_module("pydantic_ai.messages")
    built: list[Any] = []
    for message in history_messages(turn):
        if message["role"] == "assistant":
            built.append(messages.ModelResponse(parts=[messages.TextPart(content=message["content"])]))
        elif message["role"] == "system":
            built.append(messages.ModelRequest(parts=[messages.SystemPromptPart(content=message["content"])]))
        else:
            built.append(messages.ModelRequest(parts=[messages.UserPromptPart(content=message["content"])]))
    return built
