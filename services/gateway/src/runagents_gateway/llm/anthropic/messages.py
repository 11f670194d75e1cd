"""A chat completion as the Anthropic Message it answers."""

import uuid
from typing import Any

from runagents_gateway.llm.anthropic.mappings import FINISH_REASONS
from runagents_gateway.llm.anthropic.mappings import anthropic_usage as usage
from runagents_gateway.llm.chat import first_choice, object_of
from runagents_gateway.llm.requests import tool_input

__all__ = ["message", "new_message_id", "stop_of", "usage"]


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def message(completion: dict[str, Any], *, message_id: str, model: str,
            stop_sequences: list[str]) -> dict[str, Any]:
    """The ``message`` object for a ``chat.completion``; ``model`` names it when the completion does not."""
    choice = first_choice(completion)
    answer = object_of(choice.get("message"))
    content: list[dict[str, Any]] = []
    if isinstance(answer.get("content"), str) and answer["content"]:
        content.append({"type": "text", "text": answer["content"]})
    for tool_call in answer.get("tool_calls") or []:
        function = object_of(object_of(tool_call).get("function"))
        if function:
            content.append({"type": "tool_use", "id": str(tool_call.get("id") or ""),
                            "name": str(function.get("name") or ""), "input": tool_input(function.get("arguments"))})
    stop_reason, stop_sequence = stop_of(choice.get("finish_reason"), choice.get("stop_reason"),
                                         has_tool_calls=any(block["type"] == "tool_use" for block in content),
                                         stop_sequences=stop_sequences)
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": completion.get("model") if isinstance(completion.get("model"), str) else model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": stop_sequence,
        "usage": usage(completion.get("usage")),
    }


def stop_of(finish_reason: Any, matched: Any, *, has_tool_calls: bool,
            stop_sequences: list[str]) -> tuple[str, str | None]:
    """Anthropic's ``stop_reason`` and ``stop_sequence`` for a chat finish reason.

    Chat completions does not say which stop sequence ended the text; servers that do (vLLM's
    ``stop_reason``) get ``stop_sequence`` back.
    """
    if has_tool_calls and finish_reason != "length":
        return "tool_use", None
    if finish_reason == "stop" and isinstance(matched, str) and matched in stop_sequences:
        return "stop_sequence", matched
    return FINISH_REASONS.get(str(finish_reason), "end_turn"), None
