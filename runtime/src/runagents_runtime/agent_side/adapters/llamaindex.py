"""LlamaIndex agents (AgentWorkflow, FunctionAgent, ReActAgent, CodeActAgent): `workflow.run(user_msg=...)`.

The run's handler is awaited for the AgentOutput (its response message's content; a structured
response as JSON). Its events give ToolCall and ToolCallResult as tool_call / tool_result, and when
streamed AgentStream deltas as content (not a ReActAgent's: its stream is its Thought / Action
text). Earlier messages are passed as `chat_history`.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import AsyncIterator
from typing import Any

from runagents_runtime.agent_side.adapters.support import history_messages, is_instance_of, iterate, text_of
from runagents_runtime.agent_side.rendering import response_text
from runagents_runtime.agent_side.turn import AgentSideEvent, RunTurn, Turn

_AGENT_CLASSES = ("AgentWorkflow", "BaseWorkflowAgent", "FunctionAgent", "ReActAgent", "CodeActAgent")


def recognizes(obj: object) -> bool:
    return is_instance_of(obj, "llama_index", _AGENT_CLASSES)


def bind(obj: Any) -> RunTurn:
    reasoning_aloud = _react_agent_names(obj)

    async def run(turn: Turn) -> AsyncIterator[AgentSideEvent]:
        kwargs: dict[str, Any] = {"user_msg": turn.message}
        if turn.history:
            kwargs["chat_history"] = _chat_history(turn)
        handler = obj.run(**kwargs)  # sync: it only schedules the workflow on the running loop
        if hasattr(handler, "stream_events"):  # the tool events, and the deltas when streamed
            async for event in iterate(handler.stream_events()):
                translated = _event(event)
                if translated is None:
                    continue
                if translated["type"] == "content" and (
                    not turn.stream or getattr(event, "current_agent_name", None) in reasoning_aloud
                ):
                    continue
                yield translated
        result = await handler
        yield {"type": "answer", "text": answer_text(result)}

    return run


def answer_text(result: Any) -> str:
    structured = getattr(result, "structured_response", None)
    if structured:
        return json.dumps(structured, default=response_text, ensure_ascii=False)
    return response_text(getattr(result, "response", result))


def _event(event: Any) -> AgentSideEvent | None:
    kind = type(event).__name__
    if kind == "AgentStream":
        delta = getattr(event, "delta", "")
        return {"type": "content", "delta": delta} if delta else None
    if kind == "ToolCallResult":
        return {
            "type": "tool_result",
            "id": str(getattr(event, "tool_id", "") or ""),
            "name": str(getattr(event, "tool_name", "") or ""),
            "content": text_of(getattr(event, "tool_output", None)),
        }
    if kind == "ToolCall":
        return {
            "type": "tool_call",
            "id": str(getattr(event, "tool_id", "") or ""),
            "name": str(getattr(event, "tool_name", "") or ""),
            "arguments": text_of(getattr(event, "tool_kwargs", None) or {}),
        }
    return None


def _react_agent_names(obj: Any) -> set[str | None]:
    """The ReAct agents among `obj` (itself, or an AgentWorkflow's agents): their stream is their
    Thought / Action text, not the answer, so it is not forwarded as content."""
    agents = getattr(obj, "agents", None)
    candidates = list(agents.values()) if isinstance(agents, dict) else [obj]
    react = [agent for agent in candidates if is_instance_of(agent, "llama_index", ("ReActAgent",))]
    return {getattr(agent, "name", None) for agent in react}


def _chat_history(turn: Turn) -> list[Any]:
    chat_message = importlib.import_module("llama_index.core.llms").ChatMessage
    return [chat_message(role=m["role"], content=m["content"]) for m in history_messages(turn)]
