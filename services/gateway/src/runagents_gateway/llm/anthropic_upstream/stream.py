"""Anthropic's message stream as ``chat.completion.chunk`` objects, event by event.

``message_start`` opens the answer (role), text deltas are content deltas, a tool_use block is a tool
call at the next tool-call index (its id and name first, its input JSON as argument deltas after),
``message_delta`` carries the finish reason, and ``message_stop`` the usage in a last chunk with no
choices, as OpenAI's stream ends when asked for usage. ``ping`` and block stops carry nothing.
"""

import json
import time
from dataclasses import dataclass, field
from typing import Any

from runagents_gateway.llm.anthropic.mappings import chat_usage
from runagents_gateway.llm.anthropic_upstream.answers import finish_of, new_completion_id
from runagents_gateway.llm.chat import object_of


@dataclass
class ChunkStream:
    """Translates one streamed Message: ``feed`` each event's data, in order; every chunk shares the
    stream's id, creation time and model."""

    model: str
    completion_id: str = field(default_factory=new_completion_id)
    created: int = field(default_factory=lambda: int(time.time()))
    finished: bool = False
    """Whether ``message_stop`` came: a stream that ends without it was cut short."""
    _usage: dict[str, Any] = field(default_factory=dict)
    _tool_calls: dict[int, int] = field(default_factory=dict)
    """Content block index -> chat tool-call index."""

    def feed(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        kind = event.get("type")
        if kind == "message_start":
            return self._start(object_of(event.get("message")))
        if kind == "content_block_start":
            return self._block_start(event.get("index"), object_of(event.get("content_block")))
        if kind == "content_block_delta":
            return self._block_delta(event.get("index"), object_of(event.get("delta")))
        if kind == "message_delta":
            self._count(event.get("usage"))
            delta = object_of(event.get("delta"))
            return [self._chunk({}, **finish_of(delta.get("stop_reason"), delta.get("stop_sequence")))]
        if kind == "message_stop":
            self.finished = True
            return [{**self._shell(), "choices": [], "usage": chat_usage(self._usage)}]
        return []  # ping, content_block_stop, and events added to the API later

    def _start(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        if isinstance(message.get("id"), str) and message["id"]:
            self.completion_id = message["id"]
        if isinstance(message.get("model"), str) and message["model"]:
            self.model = message["model"]
        self._count(message.get("usage"))
        return [self._chunk({"role": "assistant", "content": ""})]

    def _block_start(self, index: Any, block: dict[str, Any]) -> list[dict[str, Any]]:
        if block.get("type") == "text" and isinstance(block.get("text"), str) and block["text"]:
            return [self._chunk({"content": block["text"]})]
        if block.get("type") != "tool_use" or not isinstance(index, int):
            return []  # thinking, and server tools' blocks: nothing a chat client can take
        tool_index = self._tool_calls[index] = len(self._tool_calls)
        tool_input = block.get("input")
        arguments = json.dumps(tool_input, separators=(",", ":"), ensure_ascii=False) if tool_input else ""
        return [self._chunk({"tool_calls": [{"index": tool_index, "id": str(block.get("id") or ""),
                                             "type": "function",
                                             "function": {"name": str(block.get("name") or ""),
                                                          "arguments": arguments}}]})]

    def _block_delta(self, index: Any, delta: dict[str, Any]) -> list[dict[str, Any]]:
        kind = delta.get("type")
        if kind == "text_delta" and isinstance(delta.get("text"), str) and delta["text"]:
            return [self._chunk({"content": delta["text"]})]
        if kind == "input_json_delta" and isinstance(index, int) and index in self._tool_calls:
            partial = delta.get("partial_json")
            if isinstance(partial, str) and partial:
                return [self._chunk({"tool_calls": [{"index": self._tool_calls[index],
                                                     "function": {"arguments": partial}}]})]
        return []  # thinking and signature deltas, citations

    def _count(self, usage: Any) -> None:
        # message_delta's counts are cumulative; a count it leaves out (or null) stands as message_start said.
        self._usage.update({name: value for name, value in object_of(usage).items() if value is not None})

    def _shell(self) -> dict[str, Any]:
        return {"id": self.completion_id, "object": "chat.completion.chunk", "created": self.created,
                "model": self.model}

    def _chunk(self, delta: dict[str, Any], finish_reason: str | None = None, **choice: Any) -> dict[str, Any]:
        return {**self._shell(), "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                              "finish_reason": finish_reason, **choice}]}
