"""A chat completion as the Responses API ``response`` object that answers it."""

import time
import uuid
from typing import Any

from runagents_gateway.llm.chat import count_of, first_choice, object_of

INCOMPLETE_REASONS = {"length": "max_output_tokens", "content_filter": "content_filter"}


def new_id(prefix: str) -> str:
    """An id like OpenAI's: ``resp_…`` for a response, ``msg_…`` and ``fc_…`` for output items."""
    return f"{prefix}_{uuid.uuid4().hex}"


def response_shell(body: dict[str, Any], *, response_id: str, model: str) -> dict[str, Any]:
    """The ``response`` object before any output: status ``in_progress``, with the request's
    parameters repeated as the Responses API repeats them."""
    text = object_of(body.get("text"))
    return {
        "id": response_id,
        "object": "response",
        "created_at": int(time.time()),
        "status": "in_progress",
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "metadata": object_of(body.get("metadata")),
        "model": model,
        "output": [],
        "parallel_tool_calls": body.get("parallel_tool_calls") is not False,
        "previous_response_id": None,
        "reasoning": None,
        "store": False,
        "temperature": body.get("temperature", 1.0),
        "text": {**text, "format": text.get("format") or {"type": "text"}},
        "tool_choice": body.get("tool_choice") or "auto",
        "tools": [_tool_echo(tool) for tool in body.get("tools") or []],
        "top_p": body.get("top_p", 1.0),
        "truncation": "disabled",
        "usage": None,
        "user": None,
    }


def finished(shell: dict[str, Any], output: list[dict[str, Any]], *, finish_reason: Any, chat_usage: Any,
             model: Any = None) -> dict[str, Any]:
    """``shell`` with its output and usage, ``completed`` or (cut short) ``incomplete``."""
    reason = INCOMPLETE_REASONS.get(str(finish_reason))
    return {
        **shell,
        "status": "incomplete" if reason else "completed",
        "incomplete_details": {"reason": reason} if reason else None,
        "model": model if isinstance(model, str) and model else shell["model"],
        "output": output,
        "usage": usage(chat_usage),
    }


def response(shell: dict[str, Any], completion: dict[str, Any]) -> dict[str, Any]:
    """The finished ``response`` for a whole ``chat.completion``."""
    choice = first_choice(completion)
    answer = object_of(choice.get("message"))
    status = "incomplete" if choice.get("finish_reason") == "length" else "completed"
    output: list[dict[str, Any]] = []
    if isinstance(answer.get("content"), str) and answer["content"]:
        output.append(message_item(new_id("msg"), answer["content"], status))
    for tool_call in answer.get("tool_calls") or []:
        function = object_of(object_of(tool_call).get("function"))
        if function:
            output.append(function_call_item(new_id("fc"), str(tool_call.get("id") or ""),
                                             str(function.get("name") or ""), str(function.get("arguments") or ""),
                                             status))
    return finished(shell, output, finish_reason=choice.get("finish_reason"), chat_usage=completion.get("usage"),
                    model=completion.get("model"))


def message_item(item_id: str, text: str | None, status: str) -> dict[str, Any]:
    """An assistant ``message`` output item; ``text`` None while it has no content part yet."""
    content = [] if text is None else [text_part(text)]
    return {"id": item_id, "type": "message", "status": status, "role": "assistant", "content": content}


def text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def function_call_item(item_id: str, call_id: str, name: str, arguments: str, status: str) -> dict[str, Any]:
    return {"id": item_id, "type": "function_call", "status": status, "call_id": call_id, "name": name,
            "arguments": arguments}


def usage(chat_usage: Any) -> dict[str, Any]:
    chat_usage = object_of(chat_usage)
    prompt, completion = count_of(chat_usage.get("prompt_tokens")), count_of(chat_usage.get("completion_tokens"))
    cached = count_of(object_of(chat_usage.get("prompt_tokens_details")).get("cached_tokens"))
    reasoning = count_of(object_of(chat_usage.get("completion_tokens_details")).get("reasoning_tokens"))
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": cached, "cache_write_tokens": 0},
        "output_tokens": completion,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": prompt + completion,
    }


def _tool_echo(tool: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "name": tool.get("name"), "description": tool.get("description"),
            "parameters": tool.get("parameters"), "strict": tool.get("strict")}
