"""A chat completion as the other wire formats consume it: parsed, whole or chunk by chunk.

The chat-completions endpoint relays bytes; the Anthropic and Responses endpoints translate, so
they take the same call through the same providers as OpenAI chat objects instead.
"""

from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ChatAnswer:
    """A whole ``chat.completion`` object, with the provider headers the client may act on."""

    completion: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ChatChunks:
    """``chat.completion.chunk`` objects as the provider sends them, the last one carrying usage.

    Iterating raises ``LlmError`` when the provider fails mid-stream.
    """

    chunks: AsyncGenerator[dict[str, Any], None]
    headers: dict[str, str] = field(default_factory=dict)
    release: Callable[[], Awaitable[None]] | None = None
    """Frees the provider's connection even when ``chunks`` was never started."""

    async def aclose(self) -> None:
        await self.chunks.aclose()
        if self.release is not None:
            await self.release()


@dataclass(frozen=True)
class ToolCallPiece:
    """One piece of a streamed tool call; the first piece of a call ``opens`` it."""

    key: tuple[int, str]
    """The chat tool-call index and the id of the call streamed at that index."""
    opens: bool
    name: str
    arguments: str


@dataclass
class ChunkReader:
    """Reads the answer (choice 0) of a streamed chat completion chunk by chunk: its text and tool-call
    pieces as they come, and what the stream tells of the whole (finish reason, usage, model)."""

    finish_reason: str | None = None
    matched_stop: str | None = None
    """The stop sequence that ended the text, from servers that say (vLLM's ``stop_reason``)."""
    usage: dict[str, Any] | None = None
    model: str | None = None
    tool_calls: dict[int, str] = field(default_factory=dict)
    """Chat tool-call index -> id of the tool call being streamed at that index."""

    def read(self, chunk: dict[str, Any]) -> Iterator[str | ToolCallPiece]:
        """The text (``str``) and tool-call pieces of ``chunk``, in order. A choice's finish reason is
        noted after its pieces were taken, so they are translated as the stream stood before it."""
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        if isinstance(chunk.get("model"), str):
            self.model = chunk["model"]
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            delta = object_of(choice.get("delta"))
            if isinstance(delta.get("content"), str) and delta["content"]:
                yield delta["content"]
            for tool_call in delta.get("tool_calls") or []:
                if isinstance(tool_call, dict):
                    yield self._tool_call_piece(tool_call)
            if isinstance(choice.get("finish_reason"), str):
                self.finish_reason = choice["finish_reason"]
            if isinstance(choice.get("stop_reason"), str):
                self.matched_stop = choice["stop_reason"]

    def _tool_call_piece(self, tool_call: dict[str, Any]) -> ToolCallPiece:
        index = tool_call["index"] if isinstance(tool_call.get("index"), int) else 0
        call_id = tool_call.get("id")
        function = object_of(tool_call.get("function"))
        # A new call is one with an id not seen at its index; some servers reuse index 0 for every call.
        opens = isinstance(call_id, str) and bool(call_id) and self.tool_calls.get(index) != call_id
        if opens:
            self.tool_calls[index] = str(call_id)
        arguments = function.get("arguments")
        return ToolCallPiece(key=(index, self.tool_calls.get(index, "")), opens=opens,
                             name=str(function.get("name") or ""),
                             arguments=arguments if isinstance(arguments, str) else "")


def object_of(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one: provider answers are read leniently."""
    return value if isinstance(value, dict) else {}


def count_of(value: Any, default: int = 0) -> int:
    """A token count from a provider's usage: ``value`` when it is a non-negative integer, else ``default``."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default


def first_choice(body: dict[str, Any]) -> dict[str, Any]:
    """The first choice of a ``chat.completion`` or chunk (the translated wires have one answer)."""
    choices = body.get("choices")
    return object_of(choices[0]) if isinstance(choices, list) and choices else {}
