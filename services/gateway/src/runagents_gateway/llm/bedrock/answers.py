"""A Converse answer as the chat completion it is: the message's text and tool calls, the finish
reason, the usage."""

import json
import time
import uuid
from typing import Any

from runagents_gateway.llm.chat import count_of, object_of

FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "guardrail_intervened": "content_filter",
    "content_filtered": "content_filter",
}


def new_completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def finish_reason(stop_reason: Any, *, has_tool_calls: bool) -> str:
    """The chat finish reason for Converse's ``stopReason`` (an unknown one, such as
    ``malformed_model_output``, ends the text as ``stop``)."""
    reason = FINISH_REASONS.get(str(stop_reason), "stop")
    return "tool_calls" if has_tool_calls and reason == "stop" else reason


def chat_usage(usage: Any) -> dict[str, Any]:
    """Converse counts prompt tokens read from or written to its cache apart from ``inputTokens``;
    chat completions counts them within ``prompt_tokens``, the cached ones named again."""
    usage = object_of(usage)
    cache_read = count_of(usage.get("cacheReadInputTokens"))
    prompt = count_of(usage.get("inputTokens")) + cache_read + count_of(usage.get("cacheWriteInputTokens"))
    completion = count_of(usage.get("outputTokens"))
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cache_read}}


def is_converse_answer(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(object_of(body.get("output")).get("message"), dict)


def chat_completion(answer: dict[str, Any], *, model: str) -> dict[str, Any]:
    """The ``chat.completion`` for a Converse ``answer`` (see ``is_converse_answer``)."""
    texts: list[str] = []
    tool_calls: list[dict[str, Any]] = []
    for block in object_of(object_of(answer.get("output")).get("message")).get("content") or []:
        block = object_of(block)
        if isinstance(block.get("text"), str):
            texts.append(block["text"])
        elif isinstance(block.get("toolUse"), dict):
            tool_calls.append(_tool_call(block["toolUse"]))
        # reasoningContent and the like have no place in a chat message
    message: dict[str, Any] = {"role": "assistant", "content": "".join(texts) if texts or not tool_calls else None,
                               "refusal": None}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": new_completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None,
                     "finish_reason": finish_reason(answer.get("stopReason"), has_tool_calls=bool(tool_calls))}],
        "usage": chat_usage(answer.get("usage")),
    }


def _tool_call(tool_use: dict[str, Any]) -> dict[str, Any]:
    arguments = json.dumps(tool_use.get("input", {}), separators=(",", ":"), ensure_ascii=False)
    return {"id": str(tool_use.get("toolUseId") or ""), "type": "function",
            "function": {"name": str(tool_use.get("name") or ""), "arguments": arguments}}
