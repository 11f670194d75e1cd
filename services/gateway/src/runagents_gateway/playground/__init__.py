"""The playground model provider: a deterministic, offline fake LLM built into the gateway."""

from runagents_gateway.playground.errors import PlaygroundRequestError
from runagents_gateway.playground.model import (
    PLAYGROUND_CHAT_MODEL,
    PLAYGROUND_EMBEDDING_MODEL,
    PLAYGROUND_MODELS,
    complete_chat,
    embed,
    stream_chat,
)

__all__ = [
    "PLAYGROUND_CHAT_MODEL",
    "PLAYGROUND_EMBEDDING_MODEL",
    "PLAYGROUND_MODELS",
    "PlaygroundRequestError",
    "complete_chat",
    "embed",
    "stream_chat",
]
