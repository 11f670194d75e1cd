"""A chat completion as the other wire formats consume it: parsed, whole or chunk by chunk.

The chat-completions endpoint relays bytes; the Anthropic and Responses endpoints translate, so
they take the same call through the same providers as OpenAI chat objects instead.
"""

from collections.abc import AsyncGenerator, Awaitable, Callable
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
