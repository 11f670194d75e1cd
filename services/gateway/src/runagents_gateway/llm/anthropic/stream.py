"""Chat-completion chunks as Anthropic's message stream: ``message_start``, a start, deltas and a
stop for each content block, ``message_delta`` with the stop reason and usage, ``message_stop``.

Each chunk is translated as it arrives; nothing waits for the end of the upstream stream.
"""

from dataclasses import dataclass, field
from typing import Any

from runagents_gateway.llm.anthropic.messages import stop_of, usage
from runagents_gateway.llm.chat import object_of

Event = tuple[str, dict[str, Any]]
"""An event's name and its data."""


@dataclass
class _Block:
    index: int
    kind: str
    tool_key: tuple[int, str] | None = None


@dataclass
class MessageStream:
    """Translates one streamed chat completion; ``start``, then ``feed`` each chunk, then ``finish``."""

    message_id: str
    model: str
    stop_sequences: list[str] = field(default_factory=list)
    _block: _Block | None = None
    _blocks: int = 0
    _tool_calls: dict[int, str] = field(default_factory=dict)
    """Chat tool-call index -> id of the tool call being streamed at that index."""
    _finish_reason: str | None = None
    _matched_stop: str | None = None
    _usage: dict[str, Any] | None = None

    def start(self) -> list[Event]:
        message: dict[str, Any] = {"id": self.message_id, "type": "message", "role": "assistant", "model": self.model,
                   "content": [], "stop_reason": None, "stop_sequence": None,
                   "usage": {"input_tokens": 0, "output_tokens": 0}}
        return [("message_start", {"type": "message_start", "message": message}), ("ping", {"type": "ping"})]

    def feed(self, chunk: dict[str, Any]) -> list[Event]:
        if isinstance(chunk.get("usage"), dict):
            self._usage = chunk["usage"]
        events: list[Event] = []
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            delta = object_of(choice.get("delta"))
            if isinstance(delta.get("content"), str) and delta["content"]:
                events.extend(self._text(delta["content"]))
            for tool_call in delta.get("tool_calls") or []:
                if isinstance(tool_call, dict):
                    events.extend(self._tool_call(tool_call))
            if isinstance(choice.get("finish_reason"), str):
                self._finish_reason = choice["finish_reason"]
            if isinstance(choice.get("stop_reason"), str):
                self._matched_stop = choice["stop_reason"]
        return events

    def finish(self) -> list[Event]:
        events = self._close_block()
        stop_reason, stop_sequence = stop_of(self._finish_reason, self._matched_stop,
                                             has_tool_calls=bool(self._tool_calls),
                                             stop_sequences=self.stop_sequences)
        events.append(("message_delta", {"type": "message_delta",
                                         "delta": {"stop_reason": stop_reason, "stop_sequence": stop_sequence},
                                         "usage": usage(self._usage)}))
        events.append(("message_stop", {"type": "message_stop"}))
        return events

    def _text(self, text: str) -> list[Event]:
        events: list[Event] = []
        if self._block is None or self._block.kind != "text":
            events.extend(self._open({"type": "text", "text": ""}, "text"))
        events.append(self._delta({"type": "text_delta", "text": text}))
        return events

    def _tool_call(self, tool_call: dict[str, Any]) -> list[Event]:
        events: list[Event] = []
        index = tool_call.get("index", 0) if isinstance(tool_call.get("index"), int) else 0
        call_id = tool_call.get("id")
        function = object_of(tool_call.get("function"))
        # A new call is one with an id not seen at its index; some servers reuse index 0 for every call.
        if isinstance(call_id, str) and call_id and self._tool_calls.get(index) != call_id:
            self._tool_calls[index] = call_id
            events.extend(self._open({"type": "tool_use", "id": call_id, "name": str(function.get("name") or ""),
                                      "input": {}}, "tool_use", (index, call_id)))
        arguments = function.get("arguments")
        current = (index, self._tool_calls.get(index, ""))
        # Pieces for a call whose block is already stopped cannot be sent any more (Anthropic's blocks
        # follow one another); chat streams send calls one after another, so none come.
        if isinstance(arguments, str) and arguments and self._block is not None and self._block.tool_key == current:
            events.append(self._delta({"type": "input_json_delta", "partial_json": arguments}))
        return events

    def _open(self, content_block: dict[str, Any], kind: str, tool_key: tuple[int, str] | None = None) -> list[Event]:
        events = self._close_block()
        self._block = _Block(self._blocks, kind, tool_key)
        self._blocks += 1
        events.append(("content_block_start", {"type": "content_block_start", "index": self._block.index,
                                               "content_block": content_block}))
        return events

    def _delta(self, delta: dict[str, Any]) -> Event:
        assert self._block is not None
        return "content_block_delta", {"type": "content_block_delta", "index": self._block.index, "delta": delta}

    def _close_block(self) -> list[Event]:
        if self._block is None:
            return []
        index, self._block = self._block.index, None
        return [("content_block_stop", {"type": "content_block_stop", "index": index})]
