"""OpenAI Agents SDK: a module-level `agents.Agent`, run with Runner.run (streamed:
Runner.run_streamed, text deltas as content, tool calls and outputs as their events)."""

from __future__ import annotations

import dataclasses
import inspect
import json
import typing
from collections.abc import AsyncIterator
from typing import Any

from runagents_runtime.agent_side.adapters.support import finished, history_messages
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


def _context_type(agent: Any) -> Any:
    """The type an agent's run context has: `Agent[Ctx](...)`, or the RunContextWrapper[Ctx]
    its dynamic instructions or tools take."""
    origin = getattr(agent, "__orig_class__", None)
    if origin is not None and typing.get_args(origin):
        return typing.get_args(origin)[0]
    functions = [agent.instructions] if callable(getattr(agent, "instructions", None)) else []
    functions += [getattr(tool, "on_invoke_tool", None) for tool in getattr(agent, "tools", []) or []]
    for function in functions:
        try:
            hints = typing.get_type_hints(function)
        except Exception:  # unresolvable annotations: no context type from this one
            continue
        for hint in hints.values():
            if getattr(typing.get_origin(hint), "__name__", "") == "RunContextWrapper" and typing.get_args(hint):
                return typing.get_args(hint)[0]
    return None


def _placeholder(annotation: Any) -> Any:
    if typing.get_origin(annotation) is typing.Literal:
        return typing.get_args(annotation)[0]
    if type(None) in typing.get_args(annotation):
        return None
    for kind, value in ((bool, False), (str, ""), (int, 0), (float, 0.0), (list, []), (dict, {})):
        if annotation is kind or typing.get_origin(annotation) is kind:
            return value
    raise TypeError(f"no placeholder for {annotation!r}")


def context_for(agent: Any) -> Any:
    """The agent's run context, as its main() would build it: the type's defaults, and for fields
    without one the first choice of a Literal, an empty value, or None. None when it cannot be built."""
    context_type = _context_type(agent)
    if not isinstance(context_type, type):
        return None
    try:
        return context_type()
    except TypeError:
        pass
    try:
        hints = typing.get_type_hints(context_type)
        if dataclasses.is_dataclass(context_type):
            required = [f.name for f in dataclasses.fields(context_type)
                        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
        else:
            parameters = inspect.signature(context_type).parameters.values()
            required = [p.name for p in parameters if p.default is inspect.Parameter.empty and p.name in hints]
        return context_type(**{name: _placeholder(hints[name]) for name in required})
    except Exception:  # a context the adapter cannot make: the agent runs without one
        return None


def bind(obj: Any) -> RunTurn:
    from agents import Runner  # the agent's environment holds the SDK

    context = context_for(obj)
    options: dict[str, Any] = {"context": context} if context is not None else {}

    async def run(turn: Turn) -> AsyncIterator[AgentSideEvent]:
        items: Any = history_messages(turn, with_message=True) if turn.history else turn.message
        if not turn.stream:
            result = await Runner.run(obj, items, **options)
            async for event in finished(turn, _text(result.final_output)):
                yield event
            return
        streamed = Runner.run_streamed(obj, items, **options)
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
