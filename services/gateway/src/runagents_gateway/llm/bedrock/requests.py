"""A chat-completions request as the body of a Converse (or ConverseStream) request.

Converse has one system prompt, so system and developer messages, wherever they stand, become its
``system`` blocks in order. Tool results are content of a user turn, and a turn's role must differ
from the one before, so consecutive messages of one role are merged into one turn. Sampling
parameters without a Converse counterpart (``seed``, penalties, ``user``, ``parallel_tool_calls``,
...) are left out; content or an ask the translation cannot carry (several choices, log
probabilities, an image by URL, audio, files) is a 400, never dropped.
"""

import json
from typing import Any

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

# Converse's image formats by media type.
IMAGE_FORMATS = {"image/png": "png", "image/jpeg": "jpeg", "image/jpg": "jpeg", "image/gif": "gif",
                 "image/webp": "webp"}


def converse_request(request: dict[str, Any]) -> dict[str, Any]:
    """The Converse body asking what the chat-completions ``request`` asks (the model goes in the URL)."""
    _refuse_what_converse_cannot_answer(request)
    system, messages = _conversation(request.get("messages"))
    converse: dict[str, Any] = {"messages": messages}
    if system:
        converse["system"] = system
    inference = _inference_config(request)
    if inference:
        converse["inferenceConfig"] = inference
    tool_config = _tool_config(request.get("tools"), request.get("tool_choice"))
    if tool_config is not None:
        converse["toolConfig"] = tool_config
    output_config = _output_config(request.get("response_format"))
    if output_config is not None:
        converse["outputConfig"] = output_config
    return converse


def _refuse_what_converse_cannot_answer(request: dict[str, Any]) -> None:
    if request.get("n") not in (None, 1):
        raise bad_request("'n' other than 1 is not supported by Bedrock's Converse API.", code="unsupported_parameter")
    if request.get("logprobs") is True:
        raise bad_request("'logprobs' is not supported by Bedrock's Converse API.", code="unsupported_parameter")


def _conversation(messages: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The system blocks and the turns of the chat ``messages``."""
    system, turns = conversation(messages, _user_blocks, _assistant_blocks, _tool_result)
    if not turns:
        raise bad_request("'messages' holds no user or assistant content to send.")
    return [{"text": text} for message, where in system for text in _texts(message.get("content"), where)
            if text], turns


def _user_blocks(content: Any, where: str) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for kind, part, at in user_content(content, where, _unsupported_part):
        if kind == "image_url":
            blocks.append(_image(part, at))
        elif text := part_text(part, at):  # Converse refuses blank text
            blocks.append({"text": text})
    return blocks


def _assistant_blocks(message: dict[str, Any], where: str) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"text": text} for text in _texts(message.get("content"), where,
                                                                      ("text", "refusal")) if text]
    blocks += [{"toolUse": {"toolUseId": tool_id, "name": name, "input": arguments}}
               for tool_id, name, arguments in function_calls(message, where)]
    return blocks


def _tool_result(message: dict[str, Any], where: str) -> dict[str, Any]:
    text = "\n".join(_texts(message.get("content"), where))
    return {"toolResult": {"toolUseId": answered_call_id(message, where), "content": [{"text": text}] if text else []}}


def _texts(content: Any, where: str, kinds: tuple[str, ...] = ("text",)) -> list[str]:
    """The texts of a message whose content may only be text (system, developer, assistant, tool)."""
    return content_texts(content, where, _unsupported_part, kinds)


def _image(part: dict[str, Any], at: str) -> dict[str, Any]:
    """An image part as an image block: Converse takes an image's bytes (base64 on its JSON wire)."""
    image_url = part.get("image_url")
    url = image_url.get("url") if isinstance(image_url, dict) else image_url
    if not isinstance(url, str):
        raise bad_request(f"{at}: an image_url part needs a string 'image_url.url'.")
    header, comma, data = url.partition(",")
    media_type = header.removeprefix("data:").removesuffix(";base64")
    if not url.startswith("data:") or not header.endswith(";base64") or not comma or not data:
        raise bad_request(f"{at}: Bedrock takes images as bytes only; send a base64 data: URL, not a link.",
                          code="unsupported_content")
    image_format = IMAGE_FORMATS.get(media_type.lower())
    if image_format is None:
        raise bad_request(f"{at}: images of type {media_type!r} are not supported; Bedrock takes png, jpeg, gif "
                          "and webp.", code="unsupported_content")
    return {"image": {"format": image_format, "source": {"bytes": data}}}


def _inference_config(request: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for name in ("max_completion_tokens", "max_tokens"):
        value = request.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise bad_request(f"'{name}' must be a positive integer.")
        config["maxTokens"] = value
        break
    for name, converse_name in (("temperature", "temperature"), ("top_p", "topP")):
        if request.get(name) is not None:
            config[converse_name] = number(request[name], name)
    stop = request.get("stop")
    if isinstance(stop, str):
        stop = [stop]
    if stop is not None:
        if not isinstance(stop, list) or not all(isinstance(sequence, str) for sequence in stop):
            raise bad_request("'stop' must be a string or a list of strings.")
        if sequences := [sequence for sequence in stop if sequence]:
            config["stopSequences"] = sequences
    return config


def _tool_config(tools: Any, choice: Any) -> dict[str, Any] | None:
    """Converse's ``toolConfig``; none for no tools and for ``tool_choice: none`` (Converse has no
    choice that forbids calling the tools it was given)."""
    if tools is None or tools == []:
        return None
    if not isinstance(tools, list):
        raise bad_request("'tools' must be a list.")
    specs = [_tool_spec(tool, f"tools[{index}]") for index, tool in enumerate(tools)]
    if choice is None:
        return {"tools": specs}
    if choice == "none":
        return None
    if choice == "auto":
        return {"tools": specs, "toolChoice": {"auto": {}}}
    if choice == "required":
        return {"tools": specs, "toolChoice": {"any": {}}}
    function = choice.get("function") if isinstance(choice, dict) and choice.get("type") == "function" else None
    if isinstance(function, dict) and isinstance(function.get("name"), str) and function["name"]:
        return {"tools": specs, "toolChoice": {"tool": {"name": function["name"]}}}
    raise bad_request("'tool_choice' must be none, auto, required or {\"type\": \"function\", \"function\": "
                      "{\"name\": ...}}.")


def _tool_spec(tool: Any, at: str) -> dict[str, Any]:
    name, description, parameters = function_tool(tool, at, "Bedrock")
    spec: dict[str, Any] = {"name": name, "inputSchema": {"json": parameters}}
    if description is not None:
        spec["description"] = description
    return {"toolSpec": spec}


def _output_config(response_format: Any) -> dict[str, Any] | None:
    """A ``json_schema`` response format as Converse's structured output; plain JSON mode has no counterpart."""
    if response_format is None:
        return None
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind == "text":
        return None
    if kind == "json_schema":
        definition = response_format.get("json_schema")
        if isinstance(definition, dict) and isinstance(definition.get("schema"), dict):
            json_schema: dict[str, Any] = {"schema": json.dumps(definition["schema"], separators=(",", ":"))}
            for name in ("name", "description"):
                if isinstance(definition.get(name), str) and definition[name]:
                    json_schema[name] = definition[name]
            return {"textFormat": {"type": "json_schema", "structure": {"jsonSchema": json_schema}}}
        raise bad_request("'response_format.json_schema' needs a 'schema' object.")
    raise bad_request(f"'response_format' of type {kind!r} is not supported by Bedrock's Converse API; use "
                      "json_schema.", code="unsupported_parameter")


def _unsupported_part(kind: str, at: str) -> LlmError:
    return bad_request(f"{at}: content parts of type {kind!r} are not supported by Bedrock's Converse API here.",
                       code="unsupported_content")
