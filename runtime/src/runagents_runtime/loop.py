"""Tier 1: the built-in tool-calling loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from runagents_runtime.config import RuntimeConfig
from runagents_runtime.events import (
    AgentAnswer,
    AgentEvent,
    ChatMessage,
    ContentDelta,
    ToolCallAnswered,
    ToolCallRecord,
    ToolCallRequested,
    Usage,
)
from runagents_runtime.llm_gateway import LLMGateway, ModelReply
from runagents_runtime.tool_calls import ToolExecutor


def iteration_limit_message(limit: int) -> str:
    """The answer given when the model still wants tools after `limit` rounds."""
    return (
        f"I stopped after reaching the limit of {limit} tool-calling iterations "
        "(MAX_TOOL_ITERATIONS) without a final answer."
    )


class ToolLoop:
    """Asks the model, runs the tools it calls, feeds results back, until it answers in text."""

    def __init__(self, config: RuntimeConfig, gateway: LLMGateway, tools: ToolExecutor) -> None:
        self._config = config
        self._gateway = gateway
        self._tools = tools

    async def run(self, message: str, history: list[ChatMessage], *, stream: bool) -> AsyncIterator[AgentEvent]:
        """Answer `message`; see `Agent.run`."""
        messages = self._initial_messages(message, history)
        usage = Usage()
        records: list[ToolCallRecord] = []
        model = self._config.model
        for _ in range(self._config.max_tool_iterations):
            reply: ModelReply | None = None
            async for item in self._gateway.chat(self._payload(messages), stream=stream):
                if isinstance(item, ContentDelta):
                    yield item
                else:
                    reply = item
            assert reply is not None, "LLMGateway.chat always ends with a reply"
            usage += reply.usage
            model = model or reply.model
            if not reply.function_calls:
                yield AgentAnswer(reply.content, model, usage, tuple(records))
                return
            messages.append(reply.as_message())
            for call in reply.function_calls:
                yield ToolCallRequested(call.name, call.arguments)
            outcomes = await asyncio.gather(*(self._tools.execute(call) for call in reply.function_calls))
            for outcome in outcomes:
                if outcome.record is not None:
                    records.append(outcome.record)
                messages.append({"role": "tool", "tool_call_id": outcome.call.id, "content": outcome.content})
                yield ToolCallAnswered(outcome.call.name, outcome.content, outcome.status)
        limit_message = iteration_limit_message(self._config.max_tool_iterations)
        if stream:
            yield ContentDelta(limit_message)
        yield AgentAnswer(limit_message, model, usage, tuple(records))

    def _initial_messages(self, message: str, history: list[ChatMessage]) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        if self._config.system_prompt:
            messages.append({"role": "system", "content": self._config.system_prompt})
        messages.extend({"role": item.role, "content": item.content} for item in history)
        messages.append({"role": "user", "content": message})
        return messages

    def _payload(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        payload: dict[str, Any] = {"model": self._config.model, "messages": messages}
        if self._config.tool_definitions:
            payload["tools"] = list(self._config.tool_definitions)
        return payload
