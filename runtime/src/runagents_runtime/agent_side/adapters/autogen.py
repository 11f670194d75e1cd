"""AutoGen AgentChat agents and teams (AssistantAgent, any BaseChatAgent, RoundRobinGroupChat and the
other group chats): `await agent.run(task=message)`, the TaskResult's last message as text.

Agents and teams keep their conversation on themselves, so each turn starts from a reset agent (or
team) with the turn's earlier messages replayed as TextMessages (for a team, whose termination
conditions count them, as one transcript message), and turns on one object run one at a time.
Streamed: `run_stream`, ModelClientStreamingChunkEvent as content (the model client must stream:
`model_client_stream=True`), ToolCallRequestEvent / ToolCallExecutionEvent as tool_call /
tool_result.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator
from typing import Any

from runagents_runtime.agent_side.adapters.support import (
    call,
    conversation_text,
    history_messages,
    is_instance_of,
    iterate,
    text_of,
)
from runagents_runtime.agent_side.rendering import response_text
from runagents_runtime.agent_side.turn import AgentSideEvent, RunTurn, Turn

_RUNNERS = ("BaseChatAgent", "ChatAgent", "AssistantAgent", "Team", "BaseGroupChat", "TaskRunner")


def recognizes(obj: object) -> bool:
    return is_instance_of(obj, "autogen_agentchat", _RUNNERS)


def bind(obj: Any) -> RunTurn:
    one_at_a_time = asyncio.Lock()

    async def run(turn: Turn) -> AsyncIterator[AgentSideEvent]:
        async with one_at_a_time:
            await _reset(obj)
            task = _task(turn, team=is_instance_of(obj, "autogen_agentchat", ("Team", "BaseGroupChat")))
            if turn.stream:
                result: Any = None
                async for item in iterate(obj.run_stream(task=task)):
                    if type(item).__name__ == "TaskResult":
                        result = item
                        continue
                    for event in _events(item):
                        yield event
                yield {"type": "answer", "text": task_result_text(result)}
                return
            result = await call(obj.run, task=task)
            for message in getattr(result, "messages", None) or []:
                if type(message).__name__ in ("ToolCallRequestEvent", "ToolCallExecutionEvent"):
                    for event in _events(message):
                        yield event
            yield {"type": "answer", "text": task_result_text(result)}

    return run


def task_result_text(result: Any) -> str:
    """The text of the last chat message (not an event) in a TaskResult."""
    for message in reversed(getattr(result, "messages", None) or []):
        if not _is_chat_message(message):
            continue
        content = getattr(message, "content", None)
        if isinstance(content, str):
            return content
        if content is not None:
            return response_text(content)
        to_text = getattr(message, "to_text", None)
        if callable(to_text):
            return str(to_text())
    return ""


def _is_chat_message(message: Any) -> bool:
    return any(klass.__name__ == "BaseChatMessage" for klass in type(message).__mro__)


def _events(item: Any) -> list[AgentSideEvent]:
    kind = type(item).__name__
    if kind == "ModelClientStreamingChunkEvent":
        delta = getattr(item, "content", "")
        return [{"type": "content", "delta": delta}] if isinstance(delta, str) and delta else []
    if kind == "ToolCallRequestEvent":
        return [
            {
                "type": "tool_call",
                "id": str(getattr(call_, "id", "") or ""),
                "name": str(getattr(call_, "name", "") or ""),
                "arguments": text_of(getattr(call_, "arguments", None)),
            }
            for call_ in getattr(item, "content", None) or []
        ]
    if kind == "ToolCallExecutionEvent":
        return [
            {
                "type": "tool_result",
                "id": str(getattr(result, "call_id", "") or ""),
                "name": str(getattr(result, "name", "") or ""),
                "content": text_of(getattr(result, "content", None)),
            }
            for result in getattr(item, "content", None) or []
        ]
    return []


async def _reset(obj: Any) -> None:
    if callable(getattr(obj, "on_reset", None)):
        token = importlib.import_module("autogen_core").CancellationToken()
        await call(obj.on_reset, token)
    elif callable(getattr(obj, "reset", None)):
        await call(obj.reset)


def _task(turn: Turn, team: bool) -> Any:
    history = history_messages(turn)
    if not history:
        return turn.message
    if team:  # a team's termination conditions count the task's messages: one message, a transcript
        return conversation_text(turn)
    text_message = importlib.import_module("autogen_agentchat.messages").TextMessage
    return [
        *(text_message(content=m["content"], source="user" if m["role"] == "user" else m["role"]) for m in history),
        text_message(content=turn.message, source="user"),
    ]
