"""A chat completion as the Anthropic Message it answers."""

import json
import uuid
from typing import Any

from runagents_gateway.llm.chat import count_of, first_choice, object_of

FINISH_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}


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


def tool_input(arguments: Any) -> dict[str, Any]:
    """A tool call's arguments as tool_use ``input``, which must be an object.

    Arguments that are not a JSON object (a model's malformed output) are kept, not dropped,
    under ``_raw_arguments`` so the agent can see what the model said.
    """
    if not arguments:
        return {}
    try:
        parsed = json.loads(arguments) if isinstance(arguments, str) else arguments
    except ValueError:
        parsed = None
    return parsed if isinstance(parsed, dict) else {"_raw_arguments": arguments}


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


def usage(chat_usage: Any) -> dict[str, int]:
    """Anthropic counts cached prompt tokens apart from ``input_tokens``; chat completions within them."""
    chat_usage = object_of(chat_usage)
    prompt, completion = count_of(chat_usage.get("prompt_tokens")), count_of(chat_usage.get("completion_tokens"))
    cached = min(count_of(object_of(chat_usage.get("prompt_tokens_details")).get("cached_tokens")), prompt)
    return {"input_tokens": prompt - cached, "output_tokens": completion, "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": cached}
