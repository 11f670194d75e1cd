"""Cutting a finished chat.completion into the chat.completion.chunk objects of a stream."""

from typing import Any

from runagents_gateway.playground.text import word_deltas

CHUNK_OBJECT = "chat.completion.chunk"


def completion_chunks(completion: dict[str, Any], *, include_usage: bool) -> list[dict[str, Any]]:
    """Role delta, word-sized content deltas, tool-call deltas, the finish chunk, then usage if asked."""
    choice = completion["choices"][0]
    message = choice["message"]
    content = message.get("content")
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": "" if content is not None else None}]
    deltas.extend({"content": piece} for piece in word_deltas(content or ""))
    for index, tool_call in enumerate(message.get("tool_calls") or []):
        deltas.extend(_tool_call_deltas(index, tool_call))
    chunks = [_chunk(completion, delta, None, include_usage) for delta in deltas]
    chunks.append(_chunk(completion, {}, choice["finish_reason"], include_usage))
    if include_usage:
        chunks.append({**_chunk_header(completion), "choices": [], "usage": completion["usage"]})
    return chunks


def _tool_call_deltas(index: int, tool_call: dict[str, Any]) -> list[dict[str, Any]]:
    function = tool_call["function"]
    opening = {
        "index": index,
        "id": tool_call["id"],
        "type": "function",
        "function": {"name": function["name"], "arguments": ""},
    }
    argument_parts = word_deltas(function["arguments"])
    pieces = [{"index": index, "function": {"arguments": part}} for part in argument_parts]
    return [{"tool_calls": [tool_call_delta]} for tool_call_delta in [opening, *pieces]]


def _chunk(
    completion: dict[str, Any], delta: dict[str, Any], finish_reason: str | None, include_usage: bool
) -> dict[str, Any]:
    chunk: dict[str, Any] = {
        **_chunk_header(completion),
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
    }
    if include_usage:
        chunk["usage"] = None
    return chunk


def _chunk_header(completion: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": completion["id"],
        "object": CHUNK_OBJECT,
        "created": completion["created"],
        "model": completion["model"],
    }
