"""Chat-completion chunks as the Responses API's event stream.

``response.created`` and ``response.in_progress`` first; then for a text answer
``response.output_item.added``, ``response.content_part.added``, ``response.output_text.delta``…,
``response.output_text.done``, ``response.content_part.done``, ``response.output_item.done``;
for each tool call ``response.output_item.added``, ``response.function_call_arguments.delta``…,
``response.function_call_arguments.done``, ``response.output_item.done``; last
``response.completed``. Every event carries its ``sequence_number``. Each chunk is translated
as it arrives.
"""

from dataclasses import dataclass, field
from typing import Any

from runagents_gateway.llm.chat import ChunkReader, ToolCallPiece
from runagents_gateway.llm.responses.output import (
    finished,
    function_call_item,
    message_item,
    new_id,
    text_part,
)

Event = dict[str, Any]


@dataclass
class _Item:
    output_index: int
    item: dict[str, Any]
    tool_key: tuple[int, str] | None = None
    text: str = ""


@dataclass
class ResponseStream:
    """Translates one streamed chat completion; ``start``, then ``feed`` each chunk, then ``finish``."""

    shell: dict[str, Any]
    """The response object as it stands before any output (``output.response_shell``)."""
    _sequence: int = 0
    _open: _Item | None = None
    _output: list[dict[str, Any]] = field(default_factory=list)
    _chat: ChunkReader = field(default_factory=ChunkReader)

    def start(self) -> list[Event]:
        return [self._event("response.created", response=self.shell),
                self._event("response.in_progress", response=self.shell)]

    def feed(self, chunk: dict[str, Any]) -> list[Event]:
        events: list[Event] = []
        for piece in self._chat.read(chunk):
            events.extend(self._text(piece) if isinstance(piece, str) else self._tool_call(piece))
        return events

    def finish(self) -> list[Event]:
        events = self._close()
        response = finished(self.shell, self._output, finish_reason=self._chat.finish_reason,
                            chat_usage=self._chat.usage, model=self._chat.model)
        name = "response.completed" if response["status"] == "completed" else "response.incomplete"
        events.append(self._event(name, response=response))
        return events

    def failed(self, code: str | None, message: str) -> Event:
        """The event telling the client the model call failed mid-stream."""
        return self._event("error", code=code, message=message, param=None)

    def _text(self, text: str) -> list[Event]:
        events: list[Event] = []
        if self._open is None or self._open.item["type"] != "message":
            events.extend(self._close())
            item = _Item(len(self._output), message_item(new_id("msg"), None, "in_progress"))
            self._open = item
            events.append(self._event("response.output_item.added", output_index=item.output_index,
                                      item=item.item))
            events.append(self._event("response.content_part.added", item_id=item.item["id"],
                                      output_index=item.output_index, content_index=0, part=text_part("")))
        item = self._open
        item.text += text
        events.append(self._event("response.output_text.delta", item_id=item.item["id"],
                                  output_index=item.output_index, content_index=0, delta=text, logprobs=[]))
        return events

    def _tool_call(self, piece: ToolCallPiece) -> list[Event]:
        events: list[Event] = []
        if piece.opens:
            events.extend(self._close())
            item = _Item(len(self._output), function_call_item(new_id("fc"), piece.key[1], piece.name, "",
                                                               "in_progress"), piece.key)
            self._open = item
            events.append(self._event("response.output_item.added", output_index=item.output_index,
                                      item=item.item))
        current = self._open
        # Pieces for a call already done cannot be sent any more; chat streams send calls one after another.
        if piece.arguments and current is not None and current.tool_key == piece.key:
            current.text += piece.arguments
            events.append(self._event("response.function_call_arguments.delta", item_id=current.item["id"],
                                      output_index=current.output_index, delta=piece.arguments))
        return events

    def _close(self) -> list[Event]:
        item, self._open = self._open, None
        if item is None:
            return []
        status = "incomplete" if self._chat.finish_reason == "length" else "completed"
        item_id, index = item.item["id"], item.output_index
        events: list[Event]
        if item.item["type"] == "message":
            done = message_item(item_id, item.text, status)
            events = [
                self._event("response.output_text.done", item_id=item_id, output_index=index, content_index=0,
                            text=item.text, logprobs=[]),
                self._event("response.content_part.done", item_id=item_id, output_index=index, content_index=0,
                            part=text_part(item.text)),
            ]
        else:
            done = {**item.item, "status": status, "arguments": item.text}
            events = [self._event("response.function_call_arguments.done", item_id=item_id, output_index=index,
                                  name=done["name"], arguments=item.text)]
        self._output.append(done)
        events.append(self._event("response.output_item.done", output_index=index, item=done))
        return events

    def _event(self, kind: str, **fields: Any) -> Event:
        event = {"type": kind, "sequence_number": self._sequence, **fields}
        self._sequence += 1
        return event
