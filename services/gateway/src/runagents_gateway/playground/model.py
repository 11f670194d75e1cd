"""The playground model provider: a deterministic, offline fake LLM speaking the OpenAI wire format.

Pure functions over request bodies; no I/O, no clock, no randomness. The caller supplies the
completion id and creation time so identical inputs give identical responses.
"""

from typing import Any

from runagents_gateway.playground.conversation import chat_messages
from runagents_gateway.playground.embeddings import (
    DEFAULT_DIMENSIONS,
    embedding_inputs,
    embedding_vector,
    encode_base64,
)
from runagents_gateway.playground.errors import PlaygroundRequestError
from runagents_gateway.playground.replies import AssistantTurn, plan_assistant_turn
from runagents_gateway.playground.streaming import completion_chunks
from runagents_gateway.playground.tokens import completion_tokens, estimate_tokens, prompt_tokens

PLAYGROUND_CHAT_MODEL = "playground-mini"
PLAYGROUND_EMBEDDING_MODEL = "playground-embed"
PLAYGROUND_MODELS: tuple[str, str] = (PLAYGROUND_CHAT_MODEL, PLAYGROUND_EMBEDDING_MODEL)


def complete_chat(request: dict[str, Any], *, completion_id: str, created: int) -> dict[str, Any]:
    """Answer an OpenAI chat-completions request body with a `chat.completion` object."""
    turn = plan_assistant_turn(request)
    message = _assistant_message(turn)
    prompt = prompt_tokens(chat_messages(request), request.get("tools") or [])
    completion = completion_tokens(message)
    usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": str(request.get("model") or PLAYGROUND_CHAT_MODEL),
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": turn.finish_reason}],
        "usage": usage,
    }


def stream_chat(request: dict[str, Any], *, completion_id: str, created: int) -> list[dict[str, Any]]:
    """The `complete_chat` answer as `chat.completion.chunk` objects, in stream order."""
    stream_options = request.get("stream_options")
    include_usage = isinstance(stream_options, dict) and stream_options.get("include_usage") is True
    completion = complete_chat(request, completion_id=completion_id, created=created)
    return completion_chunks(completion, include_usage=include_usage)


def embed(request: dict[str, Any]) -> dict[str, Any]:
    """Answer an OpenAI embeddings request with one deterministic unit vector per input."""
    texts = embedding_inputs(request.get("input"))
    dimensions = _requested_dimensions(request.get("dimensions"))
    as_base64 = _uses_base64(request.get("encoding_format"))
    data = []
    for index, text in enumerate(texts):
        vector = embedding_vector(text, dimensions)
        encoded: list[float] | str = encode_base64(vector) if as_base64 else vector
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    tokens = sum(estimate_tokens(text) for text in texts)
    return {
        "object": "list",
        "data": data,
        "model": str(request.get("model") or PLAYGROUND_EMBEDDING_MODEL),
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def _assistant_message(turn: AssistantTurn) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": turn.content}
    if turn.tool_calls:
        message["tool_calls"] = [
            {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
            for call in turn.tool_calls
        ]
    return message


def _requested_dimensions(raw_dimensions: Any) -> int:
    if raw_dimensions is None:
        return DEFAULT_DIMENSIONS
    if isinstance(raw_dimensions, bool) or not isinstance(raw_dimensions, int) or raw_dimensions < 1:
        raise PlaygroundRequestError("'dimensions' must be a positive integer")
    return raw_dimensions


def _uses_base64(raw_encoding_format: Any) -> bool:
    if raw_encoding_format in (None, "float"):
        return False
    if raw_encoding_format == "base64":
        return True
    raise PlaygroundRequestError("'encoding_format' must be 'float' or 'base64'")
