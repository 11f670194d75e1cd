"""A chat-completions request as the Anthropic Messages request that asks the same.

What Anthropic's API has no counterpart for is left out: ``frequency_penalty``, ``presence_penalty``,
``seed``, ``logit_bias``, ``logprobs``, ``stream_options`` (the stream always ends with usage). Content
the translation cannot carry (audio, files, several choices) is a 400, never dropped.
"""

import json
import re
from typing import Any

from runagents_gateway.llm.anthropic.mappings import TOOL_CHOICES, image_source_of
from runagents_gateway.llm.errors import LlmError, bad_request
from runagents_gateway.llm.requests import (
    answered_call_id,
    content_texts,
    conversation,
    function_calls,
    function_tool,
    number,
    part_text,
    user_content,
)

DEFAULT_MAX_TOKENS = 4096
"""Anthropic requires ``max_tokens``; chat completions lets a client leave it out."""
MAX_TEMPERATURE = 1.0
"""Anthropic's temperature goes from 0 to 1, OpenAI's to 2: a higher one is sent as Anthropic's highest."""

_CHAT_TOOL_CHOICES = {chat: anthropic for anthropic, chat in TOOL_CHOICES.items()}
_NOT_A_TOOL_ID = re.compile(r"[^a-zA-Z0-9_-]")


def messages_request(request: dict[str, Any], model: str, *, stream: bool) -> dict[str, Any]:
    """The Messages request body for the chat-completions ``request``, asking ``model``."""
    if request.get("n") not in (None, 1):
        raise bad_request("'n' other than 1 is not supported by this model's provider (Anthropic).")
    system, messages = _conversation(request.get("messages"))
    instruction = _format_instruction(request.get("response_format"))
    if instruction:
        system.append(instruction)
    body: dict[str, Any] = {"model": model, "max_tokens": _max_tokens(request)}
    if system:
        body["system"] = "\n\n".join(system)
    body["messages"] = messages
    if request.get("temperature") is not None:
        body["temperature"] = min(number(request["temperature"], "temperature"), MAX_TEMPERATURE)
    if request.get("top_p") is not None:
        body["top_p"] = number(request["top_p"], "top_p")
    if (stop := _stop_sequences(request.get("stop"))):
        body["stop_sequences"] = stop
    tools = _tools(request.get("tools"))
    if tools:
        body["tools"] = tools
        tool_choice = _tool_choice(request.get("tool_choice"), request.get("parallel_tool_calls"))
        if tool_choice is not None:
            body["tool_choice"] = tool_choice
    if isinstance(request.get("user"), str) and request["user"]:
        body["metadata"] = {"user_id": request["user"]}
    if stream:
        body["stream"] = True
    return body


def _conversation(messages: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """The system texts, and the turns."""
    system, turns = conversation(messages, _user_blocks, _assistant_blocks, _tool_result)
    return [text for message, where in system if (text := _text(message.get("content"), where))], turns


def _user_blocks(content: Any, where: str) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for kind, part, at in user_content(content, where, _unsupported_part):
        if kind == "text":
            blocks.extend(_text_blocks(part_text(part, at)))
        else:
            blocks.append(_image_block(part, at))
    return blocks


def _assistant_blocks(message: dict[str, Any], where: str) -> list[dict[str, Any]]:
    if message.get("function_call") is not None:
        raise bad_request(f"{where}: 'function_call' is not supported; use 'tool_calls'.")
    blocks = _text_blocks(_text(message.get("content"), where, ("text", "refusal")))
    blocks += [{"type": "tool_use", "id": _tool_id(tool_id), "name": name, "input": arguments}
               for tool_id, name, arguments in function_calls(message, where)]
    return blocks


def _tool_result(message: dict[str, Any], where: str) -> dict[str, Any]:
    result: dict[str, Any] = {"type": "tool_result", "tool_use_id": _tool_id(answered_call_id(message, where))}
    if text := _text(message.get("content"), where):
        result["content"] = text
    return result


def _tool_id(value: str) -> str:
    """Anthropic takes tool-use ids of letters, digits, ``_`` and ``-`` only; another provider's ids in
    the conversation are made to fit, the same way where the call is made and where it is answered."""
    return _NOT_A_TOOL_ID.sub("_", value) or "_"


def _image_block(part: dict[str, Any], at: str) -> dict[str, Any]:
    image_url = part.get("image_url")
    url = image_url.get("url") if isinstance(image_url, dict) else image_url
    source = image_source_of(url) if isinstance(url, str) else None
    if source is None:
        raise bad_request(f"{at}: an image must be a base64 data: URL or an http(s) URL.")
    return {"type": "image", "source": source}


def _text(content: Any, where: str, kinds: tuple[str, ...] = ("text",)) -> str:
    """A message's text: its string, or its text parts (and refusals, for an assistant) one after another."""
    return "\n".join(content_texts(content, where, _unsupported_part, kinds))


def _text_blocks(text: str) -> list[dict[str, Any]]:
    # Anthropic refuses an empty text block.
    return [{"type": "text", "text": text}] if text else []


def _unsupported_part(kind: str, at: str) -> LlmError:
    return bad_request(f"{at}: content parts of type {kind!r} are not supported by this model's provider "
                       "(Anthropic).", code="unsupported_content")


def _max_tokens(request: dict[str, Any]) -> int:
    for name in ("max_completion_tokens", "max_tokens"):
        value = request.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise bad_request(f"'{name}' must be a positive integer.")
        return value
    return DEFAULT_MAX_TOKENS


def _stop_sequences(stop: Any) -> list[str]:
    if stop is None:
        return []
    if isinstance(stop, str):
        return [stop]
    if isinstance(stop, list) and all(isinstance(sequence, str) for sequence in stop):
        return stop
    raise bad_request("'stop' must be a string or a list of strings.")


def _tools(tools: Any) -> list[dict[str, Any]]:
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise bad_request("'tools' must be a list.")
    translated = []
    for index, tool in enumerate(tools):
        name, description, schema = function_tool(tool, f"tools[{index}]", "Anthropic")
        translated_tool: dict[str, Any] = {"name": name}
        if description is not None:
            translated_tool["description"] = description
        translated_tool["input_schema"] = schema
        translated.append(translated_tool)
    return translated


def _tool_choice(choice: Any, parallel_tool_calls: Any) -> dict[str, Any] | None:
    translated: dict[str, Any] | None
    if choice is None:
        translated = None
    elif isinstance(choice, str) and choice in _CHAT_TOOL_CHOICES:
        translated = {"type": _CHAT_TOOL_CHOICES[choice]}
    elif isinstance(choice, dict) and choice.get("type") == "function" \
            and isinstance((function := choice.get("function")), dict) and isinstance(function.get("name"), str):
        translated = {"type": "tool", "name": function["name"]}
    else:
        raise bad_request("'tool_choice' must be auto, none, required or {\"type\": \"function\", "
                          "\"function\": {\"name\": ...}}.")
    if parallel_tool_calls is False and (translated is None or translated["type"] != "none"):
        translated = {"type": "auto", **(translated or {}), "disable_parallel_tool_use": True}
    return translated


def _format_instruction(response_format: Any) -> str | None:
    """Structured output asked of a model that cannot be held to a schema this way, asked in words.

    Best effort: the Messages API has no ``response_format``, so the schema goes into the system
    text; the model usually follows it but nothing enforces it.
    """
    if response_format is None:
        return None
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind == "text":
        return None
    if kind == "json_object":
        return "Answer with one JSON object and nothing else: no prose, no code fences."
    if kind == "json_schema" and isinstance(response_format, dict):
        json_schema = response_format.get("json_schema")
        schema = json_schema.get("schema") if isinstance(json_schema, dict) else None
        if isinstance(schema, dict):
            return ("Answer with one JSON object and nothing else (no prose, no code fences) that is valid "
                    "against this JSON schema:\n" + json.dumps(schema, ensure_ascii=False))
    raise bad_request("'response_format' must be of type text, json_object or json_schema (with a 'schema').")
