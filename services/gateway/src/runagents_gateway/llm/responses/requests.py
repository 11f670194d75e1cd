"""A Responses API request as the chat-completions request the gateway routes."""

from typing import Any

from runagents_gateway.llm.errors import bad_request
from runagents_gateway.llm.requests import number, requested_model

MESSAGE_ROLES = {"user": "user", "assistant": "assistant", "system": "system", "developer": "system"}
"""``developer`` is the Responses API's name for system instructions; OpenAI-compatible servers know ``system``."""
TEXT_PARTS = ("input_text", "output_text", "text", "refusal")
_STORED_STATE = ("previous_response_id", "conversation", "prompt")


def chat_request(body: dict[str, Any]) -> dict[str, Any]:
    """The chat-completions request asking what the Responses request ``body`` asks.

    ``store``, ``include``, ``metadata``, ``truncation``, ``reasoning`` and ``user`` are accepted and
    have no effect: the gateway keeps no responses. State kept by OpenAI (``previous_response_id``,
    ``conversation``, ``prompt``) is a 400.
    """
    for name in _STORED_STATE:
        if body.get(name) is not None:
            raise bad_request(f"'{name}' is not supported: the gateway stores no responses, conversations or "
                              "prompts; send the whole conversation in 'input' (and 'instructions').",
                              code="unsupported_parameter")
    messages: list[dict[str, Any]] = []
    instructions = body.get("instructions")
    if instructions is not None:
        if not isinstance(instructions, str):
            raise bad_request("'instructions' must be a string.")
        if instructions:
            messages.append({"role": "system", "content": instructions})
    messages.extend(_input_messages(body.get("input")))
    request: dict[str, Any] = {"model": requested_model(body), "messages": messages}
    if body.get("max_output_tokens") is not None:
        request["max_tokens"] = _positive_int(body["max_output_tokens"], "max_output_tokens")
    for name in ("temperature", "top_p"):
        if body.get(name) is not None:
            request[name] = number(body[name], name)
    response_format = _response_format(body.get("text"))
    if response_format is not None:
        request["response_format"] = response_format
    tools = [_tool(tool, f"tools[{index}]") for index, tool in enumerate(_list(body.get("tools"), "tools"))]
    if tools:
        request["tools"] = tools
        if body.get("tool_choice") is not None:
            request["tool_choice"] = _tool_choice(body["tool_choice"])
        if body.get("parallel_tool_calls") is not None:
            if not isinstance(body["parallel_tool_calls"], bool):
                raise bad_request("'parallel_tool_calls' must be a boolean.")
            request["parallel_tool_calls"] = body["parallel_tool_calls"]
    return request


def _input_messages(raw_input: Any) -> list[dict[str, Any]]:
    if isinstance(raw_input, str):
        return [{"role": "user", "content": raw_input}]
    if not isinstance(raw_input, list) or not raw_input:
        raise bad_request("'input' must be a string or a non-empty list of items.")
    messages: list[dict[str, Any]] = []
    for index, item in enumerate(raw_input):
        at = f"input[{index}]"
        if not isinstance(item, dict):
            raise bad_request(f"{at} must be an object.")
        kind = item.get("type", "message")
        if kind == "message":
            messages.append(_message(item, at))
        elif kind == "function_call":
            _add_tool_call(messages, item, at)
        elif kind == "function_call_output":
            messages.append(_tool_output(item, at))
        elif kind == "reasoning":
            continue  # the model's own reasoning: chat completions has no way to send it back
        elif kind == "item_reference":
            raise bad_request(f"{at}: item references are not supported: the gateway stores no items; send the "
                              "item itself.", code="unsupported_parameter")
        else:
            raise bad_request(f"{at}: input items of type {kind!r} are not supported.", code="unsupported_input")
    return messages


def _message(item: dict[str, Any], at: str) -> dict[str, Any]:
    role = MESSAGE_ROLES.get(str(item.get("role")))
    if role is None:
        raise bad_request(f"{at}.role must be one of user, assistant, system or developer.")
    content = item.get("content")
    if isinstance(content, str):
        return {"role": role, "content": content}
    if not isinstance(content, list):
        raise bad_request(f"{at}.content must be a string or a list of content parts.")
    parts = [_part(part, f"{at}.content[{index}]") for index, part in enumerate(content)]
    if role != "user" or all(part["type"] == "text" for part in parts):
        if any(part["type"] != "text" for part in parts):
            raise bad_request(f"{at}: only user messages may carry images.")
        return {"role": role, "content": "\n".join(part["text"] for part in parts)}
    return {"role": role, "content": parts}


def _part(part: Any, at: str) -> dict[str, Any]:
    kind = part.get("type") if isinstance(part, dict) else None
    if kind in TEXT_PARTS:
        text = part.get("text", part.get("refusal"))
        if not isinstance(text, str):
            raise bad_request(f"{at} needs a string 'text'.")
        return {"type": "text", "text": text}
    if kind == "input_image":
        if not isinstance(part.get("image_url"), str):
            raise bad_request(f"{at}: only images given by 'image_url' are supported (no file ids).")
        image: dict[str, Any] = {"url": part["image_url"]}
        if part.get("detail") in ("low", "high", "auto"):
            image["detail"] = part["detail"]
        return {"type": "image_url", "image_url": image}
    raise bad_request(f"{at}: content parts of type {kind!r} are not supported.", code="unsupported_input")


def _add_tool_call(messages: list[dict[str, Any]], item: dict[str, Any], at: str) -> None:
    """A function_call joins the assistant message before it, as parallel calls (and a message
    then calls) make one assistant turn in chat completions."""
    call_id, name, arguments = item.get("call_id"), item.get("name"), item.get("arguments", "")
    if not isinstance(call_id, str) or not call_id or not isinstance(name, str) or not name:
        raise bad_request(f"{at}: a function_call needs a string 'call_id' and 'name'.")
    if not isinstance(arguments, str):
        raise bad_request(f"{at}.arguments must be a string of JSON.")
    tool_call = {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
    last = messages[-1] if messages else None
    if last is not None and last["role"] == "assistant":
        last.setdefault("tool_calls", []).append(tool_call)
        if last["content"] == "":
            last["content"] = None
    else:
        messages.append({"role": "assistant", "content": None, "tool_calls": [tool_call]})


def _tool_output(item: dict[str, Any], at: str) -> dict[str, Any]:
    call_id, output = item.get("call_id"), item.get("output")
    if not isinstance(call_id, str) or not call_id:
        raise bad_request(f"{at}: a function_call_output needs a string 'call_id'.")
    if isinstance(output, list):
        parts = [_part(part, f"{at}.output[{index}]") for index, part in enumerate(output)]
        if any(part["type"] != "text" for part in parts):
            raise bad_request(f"{at}: function call outputs may carry text only.", code="unsupported_input")
        output = "\n".join(part["text"] for part in parts)
    if not isinstance(output, str):
        raise bad_request(f"{at}.output must be a string or a list of text parts.")
    return {"role": "tool", "tool_call_id": call_id, "content": output}


def _tool(tool: Any, at: str) -> dict[str, Any]:
    if not isinstance(tool, dict):
        raise bad_request(f"{at} must be an object.")
    if tool.get("type") != "function":
        raise bad_request(f"{at}: tools of type {tool.get('type')!r} are not supported; the gateway serves "
                          "function tools only.", code="unsupported_tool")
    if not isinstance(tool.get("name"), str) or not tool["name"]:
        raise bad_request(f"{at} needs a string 'name'.")
    function: dict[str, Any] = {"name": tool["name"]}
    for name in ("description", "parameters", "strict"):
        if tool.get(name) is not None:
            function[name] = tool[name]
    return {"type": "function", "function": function}


def _tool_choice(choice: Any) -> str | dict[str, Any]:
    if choice in ("auto", "none", "required"):
        return str(choice)
    if isinstance(choice, dict) and choice.get("type") == "function" and isinstance(choice.get("name"), str):
        return {"type": "function", "function": {"name": choice["name"]}}
    raise bad_request("'tool_choice' must be auto, none, required or {\"type\": \"function\", \"name\": ...}.")


def _response_format(text: Any) -> dict[str, Any] | None:
    if text is None:
        return None
    if not isinstance(text, dict):
        raise bad_request("'text' must be an object.")
    text_format = text.get("format")
    if text_format is None:
        return None
    kind = text_format.get("type") if isinstance(text_format, dict) else None
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "json_object"}
    if kind == "json_schema" and isinstance(text_format.get("schema"), dict):
        json_schema = {"name": str(text_format.get("name") or "response"), "schema": text_format["schema"]}
        for name in ("description", "strict"):
            if text_format.get(name) is not None:
                json_schema[name] = text_format[name]
        return {"type": "json_schema", "json_schema": json_schema}
    raise bad_request("'text.format' must be of type text, json_object or json_schema (with a schema).")


def _list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request(f"'{name}' must be a list.")
    return value


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise bad_request(f"'{name}' must be a positive integer.")
    return value

