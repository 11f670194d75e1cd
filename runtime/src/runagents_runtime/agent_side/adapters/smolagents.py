"""smolagents agents (CodeAgent, ToolCallingAgent, any MultiStepAgent): `agent.run(task)`, synchronous,
in a worker thread; the final answer rendered as text.

Streamed: `run(task, stream=True)` and its steps, tool calls and their outputs as tool_call /
tool_result (a CodeAgent's "tool" is its python interpreter, the code as arguments and the
execution logs as result). The model's raw stream is not forwarded as content: for a CodeAgent it
is thoughts and code, not the answer. An agent keeps its memory on itself, so turns on one agent
run one at a time; earlier messages are given to it as a transcript ahead of the task.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from runagents_runtime.agent_side.adapters.support import call, conversation_text, is_instance_of, iterate, text_of
from runagents_runtime.agent_side.turn import AgentSideEvent, RunTurn, Turn


def recognizes(obj: object) -> bool:
    return is_instance_of(obj, "smolagents", ("MultiStepAgent", "CodeAgent", "ToolCallingAgent"))


def bind(obj: Any) -> RunTurn:
    one_at_a_time = asyncio.Lock()

    async def run(turn: Turn) -> AsyncIterator[AgentSideEvent]:
        task = conversation_text(turn)
        async with one_at_a_time:
            if turn.stream:
                answer: Any = None
                sent: set[tuple[str, ...]] = set()
                async for step in iterate(await call(obj.run, task, stream=True)):
                    # a ToolCallingAgent streams its calls and outputs; a CodeAgent only has them in
                    # the ActionStep that closes each step: each is sent once
                    events = _memory_step_events(step) if type(step).__name__ == "ActionStep" else _step_events(step)
                    for event in events:
                        key = (event["type"], event["id"]) if event["id"] else tuple(map(str, event.values()))
                        if key not in sent:
                            sent.add(key)
                            yield event
                    if type(step).__name__ == "FinalAnswerStep":
                        answer = getattr(step, "output", None)
                yield {"type": "answer", "text": text_of(answer)}
                return
            result = await call(obj.run, task)
            for step in _steps(obj):  # run() resets the memory: these are this run's steps
                for event in _memory_step_events(step):
                    yield event
            answer = result.output if _is_run_result(result) else result
            yield {"type": "answer", "text": text_of(answer)}

    return run


def _is_run_result(result: Any) -> bool:
    return type(result).__name__ == "RunResult" and hasattr(result, "output")


def _steps(agent: Any) -> list[Any]:
    memory = getattr(agent, "memory", None)
    steps = getattr(memory, "steps", None)
    return list(steps) if isinstance(steps, list) else []


def _step_events(step: Any) -> list[AgentSideEvent]:
    kind = type(step).__name__
    if kind == "ToolCall":
        return [_tool_call(step)]
    if kind == "ToolOutput":
        tool_call = getattr(step, "tool_call", None)
        observation = getattr(step, "observation", None)
        return [{
            "type": "tool_result",
            "id": str(getattr(step, "id", "") or getattr(tool_call, "id", "") or ""),
            "name": str(getattr(tool_call, "name", "") or ""),
            "content": text_of(observation if observation is not None else getattr(step, "output", None)),
        }]
    return []


def _memory_step_events(step: Any) -> list[AgentSideEvent]:
    """The tool calls of one ActionStep of the agent's memory and its observations."""
    calls = getattr(step, "tool_calls", None) or []
    events: list[AgentSideEvent] = [_tool_call(tool_call) for tool_call in calls]
    observations = getattr(step, "observations", None)
    if calls and observations is not None:
        first = calls[0]
        events.append({
            "type": "tool_result",
            "id": str(getattr(first, "id", "") or ""),
            "name": str(getattr(first, "name", "") or ""),
            "content": text_of(observations),
        })
    return events


def _tool_call(tool_call: Any) -> AgentSideEvent:
    return {
        "type": "tool_call",
        "id": str(getattr(tool_call, "id", "") or ""),
        "name": str(getattr(tool_call, "name", "") or ""),
        "arguments": text_of(getattr(tool_call, "arguments", None)),
    }
