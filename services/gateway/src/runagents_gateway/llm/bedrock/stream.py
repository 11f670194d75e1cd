"""ConverseStream's events as ``chat.completion.chunk`` objects, each translated as it arrives:
``messageStart`` opens the assistant message, text and tool-use deltas become content and tool-call
deltas, ``messageStop`` carries the finish reason and ``metadata`` the usage (a last chunk without
choices, as OpenAI sends it)."""

import time
from dataclasses import dataclass, field
from typing import Any

from runagents_gateway.llm.bedrock.answers import chat_usage, finish_reason, new_completion_id
from runagents_gateway.llm.chat import count_of, object_of


@dataclass
class ChunkTranslator:
    model: str
    completion_id: str = field(default_factory=new_completion_id)
    created: int = field(default_factory=lambda: int(time.time()))
    finished: bool = False
    """``messageStop`` came: the answer is whole (only its usage may still follow)."""
    _tool_calls: dict[int, int] = field(default_factory=dict)
    """Converse content block index -> chat tool-call index, for the blocks that are tool uses."""

    def feed(self, event_type: str, event: dict[str, Any]) -> list[dict[str, Any]]:
        """The chunks for one event (none for events chat completions has nothing for)."""
        if event_type == "messageStart":
            return [self._chunk({"role": "assistant", "content": ""})]
        if event_type == "contentBlockStart":
            return self._block_start(event)
        if event_type == "contentBlockDelta":
            return self._block_delta(event)
        if event_type == "messageStop":
            self.finished = True
            reason = finish_reason(event.get("stopReason"), has_tool_calls=bool(self._tool_calls))
            return [self._chunk({}, reason)]
        if event_type == "metadata" and isinstance(event.get("usage"), dict):
            return [{**self._chunk({}), "choices": [], "usage": chat_usage(event["usage"])}]
        return []  # contentBlockStop, and event types newer than this translation

    def _block_start(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        tool_use = object_of(object_of(event.get("start")).get("toolUse"))
        if not tool_use:
            return []
        index = self._tool_calls[count_of(event.get("contentBlockIndex"))] = len(self._tool_calls)
        opening = {"index": index, "id": str(tool_use.get("toolUseId") or ""), "type": "function",
                   "function": {"name": str(tool_use.get("name") or ""), "arguments": ""}}
        return [self._chunk({"tool_calls": [opening]})]

    def _block_delta(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        delta = object_of(event.get("delta"))
        if isinstance(delta.get("text"), str) and delta["text"]:
            return [self._chunk({"content": delta["text"]})]
        arguments = object_of(delta.get("toolUse")).get("input")
        index = self._tool_calls.get(count_of(event.get("contentBlockIndex")))
        if isinstance(arguments, str) and arguments and index is not None:
            return [self._chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments}}]})]
        return []  # reasoning, citations: chat completions has no delta for them

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"id": self.completion_id, "object": "chat.completion.chunk", "created": self.created,
                "model": self.model, "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                                  "finish_reason": finish}]}
