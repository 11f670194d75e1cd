"""Chat-completion chunks as Anthropic's message stream: ``message_start``, a start, deltas and a
stop for each content block, ``message_delta`` with the stop reason and usage, ``message_stop``.

Each chunk is translated as it arrives; nothing waits for the end of the upstream stream.
"""

from dataclasses import dataclass, field
from typing import Any

from runagents_gateway.llm.anthropic.messages import stop_of, usage
from runagents_gateway.llm.chat import ChunkReader, ToolCallPiece

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
    _chat: ChunkReader = field(default_factory=ChunkReader)

    def start(self) -> list[Event]:
        message: dict[str, Any] = {"id": self.message_id, "type": "message", "role": "assistant", "model": self.model,
                   "content": [], "stop_reason": None, "stop_sequence": None,
                   "usage": {"input_tokens": 0, "output_tokens": 0}}
        return [("message_start", {"type": "message_start", "message": message}), ("ping", {"type": "ping"})]

    def feed(self, chunk: dict[str, Any]) -> list[Event]:
        events: list[Event] = []
        for piece in self._chat.read(chunk):
            events.extend(self._text(piece) if isinstance(piece, str) else self._tool_call(piece))
        return events

    def finish(self) -> list[Event]:
        events = self._close_block()
        stop_reason, stop_sequence = stop_of(self._chat.finish_reason, self._chat.matched_stop,
                                             has_tool_calls=bool(self._chat.tool_calls),
                                             stop_sequences=self.stop_sequences)
        events.append(("message_delta", {"type": "message_delta",
                                         "delta": {"stop_reason": stop_reason, "stop_sequence": stop_sequence},
                                         "usage": usage(self._chat.usage)}))
        events.append(("message_stop", {"type": "message_stop"}))
        return events

    def _text(self, text: str) -> list[Event]:
        events: list[Event] = []
        if self._block is None or self._block.kind != "text":
            events.extend(self._open({"type": "text", "text": ""}, "text"))
        events.append(self._delta({"type": "text_delta", "text": text}))
        return events

    def _tool_call(self, piece: ToolCallPiece) -> list[Event]:
        events: list[Event] = []
        if piece.opens:
            events.extend(self._open({"type": "tool_use", "id": piece.key[1], "name": piece.name, "input": {}},
                                     "tool_use", piece.key))
        # Pieces for a call whose block is already stopped cannot be sent any more (Anthropic's blocks
        # follow one another); chat streams send calls one after another, so none come.
        if piece.arguments and self._block is not None and self._block.tool_key == piece.key:
            events.append(self._delta({"type": "input_json_delta", "partial_json": piece.arguments}))
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
