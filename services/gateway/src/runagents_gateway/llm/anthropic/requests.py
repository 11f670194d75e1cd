"""An Anthropic Messages request as the chat-completions request the gateway routes."""

import json
from typing import Any

from runagents_gateway.llm.anthropic.mappings import TOOL_CHOICES, image_url_of
from runagents_gateway.llm.errors import LlmError, bad_request
from runagents_gateway.llm.requests import number, requested_model

ROLES = ("user", "assistant")


def chat_request(body: dict[str, Any]) -> dict[str, Any]:
    """The chat-completions request asking what the Messages request ``body`` asks.

    ``metadata``, ``top_k``, ``thinking``, ``cache_control`` and ``output_config.effort`` have no
    chat-completions counterpart and are left out; content the translation cannot carry is a 400,
    never dropped.
    """
    request: dict[str, Any] = {
        "model": requested_model(body),
        "messages": [*_system_messages(body.get("system")), *_messages(body.get("messages"))],
        "max_tokens": _max_tokens(body.get("max_tokens")),
    }
    for name in ("temperature", "top_p"):
        if body.get(name) is not None:
            request[name] = number(body[name], name)
    if body.get("stop_sequences") is not None:
        request["stop"] = stop_sequences(body)
    response_format = _response_format(body.get("output_config"))
    if response_format is not None:
        request["response_format"] = response_format
    tools = _tools(body.get("tools"))
    if tools:
        request["tools"] = tools
        request.update(_tool_choice(body.get("tool_choice")))
    return request


def stop_sequences(body: dict[str, Any]) -> list[str]:
    sequences = body.get("stop_sequences")
    if sequences is None:
        return []
    if not isinstance(sequences, list) or not all(isinstance(s, str) for s in sequences):
        raise bad_request("'stop_sequences' must be a list of strings.")
    return sequences


def _response_format(output_config: Any) -> dict[str, Any] | None:
    """Structured output (``output_config.format``, what ``messages.parse`` sends) as a json_schema response format."""
    if output_config is None:
        return None
    if not isinstance(output_config, dict):
        raise bad_request("'output_config' must be an object.")
    output_format = output_config.get("format")
    if output_format is None:
        return None
    if not isinstance(output_format, dict) or output_format.get("type") != "json_schema" \
            or not isinstance(output_format.get("schema"), dict):
        raise bad_request("'output_config.format' must be {\"type\": \"json_schema\", \"schema\": {...}}.")
    return {"type": "json_schema", "json_schema": {"name": "output", "schema": output_format["schema"]}}


def _max_tokens(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise bad_request("'max_tokens' is required and must be a positive integer.")
    return value


def _system_messages(system: Any) -> list[dict[str, Any]]:
    if system is None or system == "":
        return []
    if isinstance(system, str):
        return [{"role": "system", "content": system}]
    if isinstance(system, list):
        texts = [_text_of(block, "system") for block in system]
        return [{"role": "system", "content": "\n".join(texts)}] if texts else []
    raise bad_request("'system' must be a string or a list of text blocks.")


def _messages(messages: Any) -> list[dict[str, Any]]:
    if not isinstance(messages, list) or not messages:
        raise bad_request("'messages' must be a non-empty list.")
    translated: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise bad_request(f"{where} must be an object whose 'role' is 'user' or 'assistant'.")
        content = message.get("content")
        if isinstance(content, str):
            translated.append({"role": message["role"], "content": content})
        elif not isinstance(content, list):
            raise bad_request(f"{where}.content must be a string or a list of content blocks.")
        elif message["role"] == "user":
            translated.extend(_user_messages(content, where))
        else:
            translated.append(_assistant_message(content, where))
    return translated


def _user_messages(blocks: list[Any], where: str) -> list[dict[str, Any]]:
    """Tool results become tool messages, first, as chat completions wants them right after the
    assistant's tool calls; the rest of the turn follows as one user message."""
    tool_messages: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    for index, block in enumerate(blocks):
        at = f"{where}.content[{index}]"
        kind = _block_type(block, at)
        if kind == "text":
            parts.append({"type": "text", "text": _text_of(block, at)})
        elif kind == "image":
            parts.append(_image_part(block, at))
        elif kind == "tool_result":
            tool_message, images = _tool_result(block, at)
            tool_messages.append(tool_message)
            parts.extend(images)
        else:
            raise _unsupported_block(kind, at)
    if not parts:
        return tool_messages
    if all(part["type"] == "text" for part in parts):
        return [*tool_messages, {"role": "user", "content": "\n".join(part["text"] for part in parts)}]
    return [*tool_messages, {"role": "user", "content": parts}]


def _assistant_message(blocks: list[Any], where: str) -> dict[str, Any]:
    texts: list[str] = []
    tool_calls: list[dict[str, Any]] = []
    for index, block in enumerate(blocks):
        at = f"{where}.content[{index}]"
        kind = _block_type(block, at)
        if kind == "text":
            texts.append(_text_of(block, at))
        elif kind == "tool_use":
            tool_calls.append(_tool_call(block, at))
        elif kind in ("thinking", "redacted_thinking"):
            continue  # the model's own reasoning: chat completions has no way to send it back
        else:
            raise _unsupported_block(kind, at)
    message: dict[str, Any] = {"role": "assistant", "content": "\n".join(texts) if texts or not tool_calls else None}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return message


def _tool_call(block: dict[str, Any], at: str) -> dict[str, Any]:
    tool_id, name, tool_input = block.get("id"), block.get("name"), block.get("input", {})
    if not isinstance(tool_id, str) or not tool_id or not isinstance(name, str) or not name:
        raise bad_request(f"{at}: a tool_use block needs a string 'id' and 'name'.")
    if not isinstance(tool_input, dict):
        raise bad_request(f"{at}.input must be an object.")
    arguments = json.dumps(tool_input, separators=(",", ":"), ensure_ascii=False)
    return {"id": tool_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def _tool_result(block: dict[str, Any], at: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The tool message for a tool_result block, and the images it returned (which a tool message
    cannot carry: they go to the user message after it)."""
    tool_use_id = block.get("tool_use_id")
    if not isinstance(tool_use_id, str) or not tool_use_id:
        raise bad_request(f"{at}: a tool_result block needs a string 'tool_use_id'.")
    content = block.get("content", "")
    texts: list[str] = []
    images: list[dict[str, Any]] = []
    if isinstance(content, str):
        texts.append(content)
    elif isinstance(content, list):
        for index, part in enumerate(content):
            part_at = f"{at}.content[{index}]"
            kind = _block_type(part, part_at)
            if kind == "text":
                texts.append(_text_of(part, part_at))
            elif kind == "image":
                images.append(_image_part(part, part_at))
            else:
                raise _unsupported_block(kind, part_at)
    else:
        raise bad_request(f"{at}.content must be a string or a list of text and image blocks.")
    text = "\n".join(texts)
    if block.get("is_error") is True:
        text = f"Error: {text}"
    return {"role": "tool", "tool_call_id": tool_use_id, "content": text}, images


def _image_part(block: dict[str, Any], at: str) -> dict[str, Any]:
    url = image_url_of(block.get("source"))
    if url is not None:
        return {"type": "image_url", "image_url": {"url": url}}
    raise bad_request(f"{at}: only images with a base64 or url source are supported.")


def _tools(tools: Any) -> list[dict[str, Any]]:
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise bad_request("'tools' must be a list.")
    translated = []
    for index, tool in enumerate(tools):
        at = f"tools[{index}]"
        if not isinstance(tool, dict):
            raise bad_request(f"{at} must be an object.")
        if tool.get("type", "custom") != "custom":
            raise bad_request(f"{at}: tool type {tool.get('type')!r} is not supported; the gateway serves custom "
                              "tools (name, description, input_schema) only.", code="unsupported_tool")
        name, schema = tool.get("name"), tool.get("input_schema")
        if not isinstance(name, str) or not name or not isinstance(schema, dict):
            raise bad_request(f"{at} needs a string 'name' and an 'input_schema' object.")
        function: dict[str, Any] = {"name": name, "parameters": schema}
        if isinstance(tool.get("description"), str):
            function["description"] = tool["description"]
        translated.append({"type": "function", "function": function})
    return translated


def _tool_choice(choice: Any) -> dict[str, Any]:
    if choice is None:
        return {}
    if not isinstance(choice, dict):
        raise bad_request("'tool_choice' must be an object such as {\"type\": \"auto\"}.")
    kind = choice.get("type")
    translated: dict[str, Any]
    if kind == "none":
        return {"tool_choice": TOOL_CHOICES[kind]}
    if isinstance(kind, str) and kind in TOOL_CHOICES:
        translated = {"tool_choice": TOOL_CHOICES[kind]}
    elif kind == "tool" and isinstance(choice.get("name"), str):
        translated = {"tool_choice": {"type": "function", "function": {"name": choice["name"]}}}
    else:
        raise bad_request("'tool_choice' must be of type auto, any, tool (with a name) or none.")
    if choice.get("disable_parallel_tool_use") is True:
        translated["parallel_tool_calls"] = False
    return translated


def _block_type(block: Any, at: str) -> str:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        raise bad_request(f"{at} must be a content block object with a 'type'.")
    return str(block["type"])


def _text_of(block: Any, at: str) -> str:
    if not isinstance(block, dict) or block.get("type") != "text" or not isinstance(block.get("text"), str):
        raise bad_request(f"{at} must be a text block with a string 'text'.")
    return str(block["text"])


def _unsupported_block(kind: str, at: str) -> LlmError:
    return bad_request(f"{at}: content blocks of type {kind!r} are not supported here.", code="unsupported_content")
