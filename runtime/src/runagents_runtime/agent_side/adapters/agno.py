"""Agno agents and teams: `agent.arun(message)` (else `agent.run` in a worker thread), the run output's
`.content` (a pydantic `output_schema` result as JSON); the tools it ran as tool_call / tool_result.

Streamed: `arun(message, stream=True, stream_events=True)`, the run's own content events as content
deltas (a team's members' content is theirs, not the answer), tool call started / completed events
(the members' too) as tool_call / tool_result. Earlier messages are passed as
agno Messages ahead of the user's.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import AsyncIterator
from typing import Any

from runagents_runtime.agent_side.adapters.support import call, history_messages, is_instance_of, iterate, text_of
from runagents_runtime.agent_side.turn import AgentSideEvent, RunTurn, Turn


def recognizes(obj: object) -> bool:
    return is_instance_of(obj, "agno", ("Agent", "Team"))


def bind(obj: Any) -> RunTurn:
    async def run(turn: Turn) -> AsyncIterator[AgentSideEvent]:
        given = _input(turn)
        if turn.stream:
            async for event in _streamed(obj, given):
                yield event
            return
        output = await _produce(obj, given, stream=False)
        for event in _tool_events(getattr(output, "tools", None) or []):
            yield event
        yield {"type": "answer", "text": text_of(getattr(output, "content", output))}

    return run


async def _produce(agent: Any, given: Any, *, stream: bool) -> Any:
    """arun's coroutine or async iterator when the agent has arun, else run's result or iterator."""
    has_arun = callable(getattr(agent, "arun", None))
    method = agent.arun if has_arun else agent.run
    options: dict[str, Any] = {"stream": True, **_event_options(method)} if stream else {}
    if not has_arun:
        return await call(method, given, **options)
    produced = method(given, **options)  # arun only builds the coroutine / async generator
    while inspect.isawaitable(produced):
        produced = await produced
    return produced


def _event_options(method: Any) -> dict[str, Any]:
    """Tool events in the stream: `stream_events` (agno 2+), `stream_intermediate_steps` before."""
    try:
        parameters = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return {}
    for name in ("stream_events", "stream_intermediate_steps"):
        if name in parameters:
            return {name: True}
    return {}


async def _streamed(agent: Any, given: Any) -> AsyncIterator[AgentSideEvent]:
    produced = await _produce(agent, given, stream=True)
    if not (hasattr(produced, "__aiter__") or hasattr(produced, "__next__")):
        yield {"type": "answer", "text": text_of(getattr(produced, "content", produced))}
        return
    streamed: list[str] = []
    completed: Any = None
    top_run: Any = None
    async for event in iterate(produced):
        kind = type(event).__name__
        content = getattr(event, "content", None)
        run_id = getattr(event, "run_id", None)
        top_run = top_run or run_id  # the first event is the run's own; a team's members run inside it
        own = run_id is None or run_id == top_run
        if kind.endswith("RunContentEvent") and not kind.startswith("Intermediate") and own:
            if isinstance(content, str) and content:
                streamed.append(content)
                yield {"type": "content", "delta": content}
            elif content is not None:
                completed = content
        elif kind.endswith("ToolCallStartedEvent") and getattr(event, "tool", None) is not None:
            yield _tool_call(event.tool)
        elif kind.endswith("ToolCallCompletedEvent") and getattr(event, "tool", None) is not None:
            yield _tool_result(event.tool)
        elif content is not None and own and _is_final_output(kind, event):
            completed = content
    text = text_of(completed) if completed is not None else "".join(streamed)
    yield {"type": "answer", "text": text}


def _is_final_output(kind: str, event: Any) -> bool:
    """The top-level run's completion (a team's members complete their own runs inside it)."""
    if kind.endswith("RunOutput"):
        return True
    top_level = not getattr(event, "nested_depth", 0) and not getattr(event, "parent_run_id", None)
    return kind.endswith("RunCompletedEvent") and top_level


def _tool_events(tools: list[Any]) -> list[AgentSideEvent]:
    events: list[AgentSideEvent] = []
    for tool in tools:
        events.append(_tool_call(tool))
        events.append(_tool_result(tool))
    return events


def _tool_call(tool: Any) -> AgentSideEvent:
    return {
        "type": "tool_call",
        "id": str(_field(tool, "tool_call_id") or ""),
        "name": str(_field(tool, "tool_name") or ""),
        "arguments": text_of(_field(tool, "tool_args") or {}),
    }


def _tool_result(tool: Any) -> AgentSideEvent:
    result = _field(tool, "result")
    return {
        "type": "tool_result",
        "id": str(_field(tool, "tool_call_id") or ""),
        "name": str(_field(tool, "tool_name") or ""),
        "content": text_of(result if result is not None else _field(tool, "content")),
    }


def _field(tool: Any, name: str) -> Any:
    """A ToolExecution's attribute, or the key of the dicts that older releases listed tools as."""
    return tool.get(name) if isinstance(tool, dict) else getattr(tool, name, None)


def _input(turn: Turn) -> Any:
    history = history_messages(turn)
    if not history:
        return turn.message
    message = importlib.import_module("agno.models.message").Message
    earlier = [message(role=m["role"], content=m["content"]) for m in history]
    return [*earlier, message(role="user", content=turn.message)]
