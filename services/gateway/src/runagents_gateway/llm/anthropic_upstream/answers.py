"""An Anthropic Message as the ``chat.completion`` that answers the chat request."""

import json
import time
import uuid
from typing import Any

from runagents_gateway.llm.anthropic.mappings import STOP_REASONS, chat_usage
from runagents_gateway.llm.chat import object_of


def chat_completion(message: dict[str, Any], model: str) -> dict[str, Any]:
    """The ``chat.completion`` for a Messages API ``message``; ``model`` names it when the message does not.

    Text blocks are one content string; tool_use blocks are tool calls; thinking blocks are left out
    (chat completions has nowhere to put them), as are server-tool blocks no chat client asked for.
    """
    texts: list[str] = []
    tool_calls: list[dict[str, Any]] = []
    for block in message.get("content") or []:
        block = object_of(block)
        if block.get("type") == "text" and isinstance(block.get("text"), str):
            texts.append(block["text"])
        elif block.get("type") == "tool_use":
            tool_calls.append(tool_call(block))
    answer: dict[str, Any] = {"role": "assistant", "content": "".join(texts) or (None if tool_calls else ""),
                              "refusal": None}
    if tool_calls:
        answer["tool_calls"] = tool_calls
    choice = {"index": 0, "message": answer, "logprobs": None,
              **finish_of(message.get("stop_reason"), message.get("stop_sequence"))}
    return {
        "id": message["id"] if isinstance(message.get("id"), str) and message["id"] else new_completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": message["model"] if isinstance(message.get("model"), str) and message["model"] else model,
        "choices": [choice],
        "usage": chat_usage(message.get("usage")),
    }


def tool_call(block: dict[str, Any]) -> dict[str, Any]:
    """A tool_use block as a chat tool call, its input the JSON string of ``arguments``."""
    tool_input = block.get("input")
    arguments = json.dumps(tool_input if isinstance(tool_input, dict) else {}, separators=(",", ":"),
                           ensure_ascii=False)
    return {"id": str(block.get("id") or ""), "type": "function",
            "function": {"name": str(block.get("name") or ""), "arguments": arguments}}


def finish_of(stop_reason: Any, stop_sequence: Any) -> dict[str, Any]:
    """A choice's ``finish_reason`` for Anthropic's ``stop_reason``; with the stop sequence that ended
    the text as ``stop_reason``, the way vLLM tells it (the Messages endpoint reads it back)."""
    finish: dict[str, Any] = {"finish_reason": STOP_REASONS.get(str(stop_reason), "stop")}
    if stop_reason == "stop_sequence" and isinstance(stop_sequence, str):
        finish["stop_reason"] = stop_sequence
    return finish


def new_completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"
