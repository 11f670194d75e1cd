"""What an agent turn produces, as a stream of events ending in one answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Usage:
    """Token counts, summed over every LLM call of a turn."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
        )


@dataclass(frozen=True)
class ToolCallRecord:
    """One HTTP call made to a tool on the model's behalf; status is None when no response came back."""

    function: str
    method: str
    url: str
    status: int | None


@dataclass(frozen=True)
class ContentDelta:
    """A piece of the answer text, in order."""

    text: str


@dataclass(frozen=True)
class ToolCallRequested:
    """The model asked for a function call; `arguments` is the raw JSON text it produced."""

    function: str
    arguments: str


@dataclass(frozen=True)
class ToolCallAnswered:
    """The result fed back to the model for one function call."""

    function: str
    result: str
    status: int | None


@dataclass(frozen=True)
class AgentAnswer:
    """The final answer of a turn; always the last event."""

    response: str
    model: str
    usage: Usage = field(default_factory=Usage)
    tool_calls_made: tuple[ToolCallRecord, ...] = ()


AgentEvent = ContentDelta | ToolCallRequested | ToolCallAnswered | AgentAnswer


@dataclass(frozen=True)
class ChatMessage:
    """A prior message of the conversation, as sent by the caller."""

    role: str
    content: str


class Agent(Protocol):
    """Something that answers a message: the built-in tool loop or the user's code."""

    def run(self, message: str, history: list[ChatMessage], *, stream: bool) -> AsyncIterator[AgentEvent]:
        """Answer `message`, yielding progress events and finally one AgentAnswer.

        With `stream=True` the answer text is also yielded as ContentDelta events as it arrives.
        """
        ...
