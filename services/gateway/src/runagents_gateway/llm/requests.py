"""Reading an OpenAI-format request body: JSON kept as sent, so a relay can forward the bytes."""

import json
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import Request

from runagents_gateway.llm.errors import LlmError, bad_request


async def read_json_object(request: Request, limit: int) -> tuple[dict[str, Any], bytes]:
    """The body as a dict and as the bytes that came, or a 400/413 in OpenAI's format."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    raw = await request.body()
    if len(raw) > limit:
        raise _too_large(limit)
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise bad_request("The request body is not valid JSON.", code="invalid_json") from exc
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body, raw


def requested_model(body: dict[str, Any]) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise bad_request("'model' is required and must be a non-empty string.", code="missing_model")
    return model


def wants_stream(body: dict[str, Any]) -> bool:
    stream = body.get("stream", False)
    if stream is None:
        return False
    if not isinstance(stream, bool):
        raise bad_request("'stream' must be a boolean.")
    return stream


def number(value: Any, name: str) -> float:
    """The request's numeric parameter ``name`` (temperature, top_p), or a 400."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_request(f"'{name}' must be a number.")
    return value


def stream_options(body: dict[str, Any]) -> dict[str, Any]:
    options = body.get("stream_options")
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise bad_request("'stream_options' must be an object.")
    return options


def with_usage_in_stream(body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """``body`` asking for usage in the stream's last chunk, and whether the client asked for it itself.

    The gateway always asks, to count the tokens; it shows the usage chunk only to clients that asked.
    """
    options = stream_options(body)
    if options.get("include_usage") is True:
        return body, True
    return {**body, "stream_options": {**options, "include_usage": True}}, False


def raw_with_usage_in_stream(body: dict[str, Any], raw: bytes) -> bytes:
    """``raw``, the bytes ``body`` was read from, asking for usage in the stream as ``with_usage_in_stream``
    does, by appending the option rather than serialising the request again (an agent's conversation
    is often tens of kilobytes); empty when appending cannot do it (the client sent stream_options)."""
    if not body or "stream_options" in body:
        return b""
    end = raw.rstrip().rfind(b"}")
    return raw[:end] + b',"stream_options":{"include_usage":true}}' if end > 0 else b""


Blocks = list[dict[str, Any]]


def conversation(messages: Any, user_blocks: Callable[[Any, str], Blocks],
                 assistant_blocks: Callable[[dict[str, Any], str], Blocks],
                 tool_result: Callable[[dict[str, Any], str], dict[str, Any]],
                 ) -> tuple[list[tuple[dict[str, Any], str]], Blocks]:
    """The chat ``messages`` as a translator to Anthropic's or Converse's turns needs them: the system
    and developer messages (each with where it stands), and the turns, user and assistant alternating
    as both want them, so consecutive messages of one role (tool results, which are user content,
    and the user text after them) are merged into one turn, and a message with no content is none.
    The callables build one message's blocks in the target's format (``user_blocks`` from a user
    message's content). A 400 for what is not a non-empty list of chat messages."""
    if not isinstance(messages, list) or not messages:
        raise bad_request("'messages' must be a non-empty list.")
    system: list[tuple[dict[str, Any], str]] = []
    turns: Blocks = []
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if not isinstance(message, dict):
            raise bad_request(f"{where} must be an object.")
        role = message.get("role")
        if role in ("system", "developer"):
            system.append((message, where))
        elif role == "user":
            _add_turn(turns, "user", user_blocks(message.get("content"), where))
        elif role == "assistant":
            _add_turn(turns, "assistant", assistant_blocks(message, where))
        elif role == "tool":
            _add_turn(turns, "user", [tool_result(message, where)])
        else:
            raise bad_request(f"{where}: messages of role {role!r} are not supported; use system, developer, "
                              "user, assistant or tool.")
    return system, turns


def _add_turn(turns: Blocks, role: str, blocks: Blocks) -> None:
    if not blocks:
        return  # both refuse empty turns; an empty message says nothing anyway
    if turns and turns[-1]["role"] == role:
        turns[-1]["content"].extend(blocks)
    else:
        turns.append({"role": role, "content": blocks})


def content_texts(content: Any, where: str, unsupported: Callable[[str, str], LlmError],
                  kinds: tuple[str, ...] = ("text",)) -> list[str]:
    """The texts of a message whose content may only be text: its string, or its parts of ``kinds``
    (``text``; ``refusal`` too for an assistant) in order. ``unsupported(type, where)`` is the error
    for a part of another type."""
    if content is None:
        return []
    if isinstance(content, str):
        return [content]
    if not isinstance(content, list):
        raise bad_request(f"{where}.content must be a string or a list of text parts.")
    texts = []
    for index, part in enumerate(content):
        at = f"{where}.content[{index}]"
        kind = part_type(part, at)
        if kind not in kinds:
            raise unsupported(kind, at)
        texts.append(part_text(part, at))
    return texts


def user_content(content: Any, where: str,
                 unsupported: Callable[[str, str], LlmError]) -> Iterator[tuple[str, dict[str, Any], str]]:
    """A user message's content as (type, part, where) for its ``text`` and ``image_url`` parts, a string
    as one text part; ``unsupported(type, where)`` is the error for a part of another type."""
    if isinstance(content, str):
        yield "text", {"type": "text", "text": content}, f"{where}.content"
        return
    if not isinstance(content, list):
        raise bad_request(f"{where}.content must be a string or a list of content parts.")
    for index, part in enumerate(content):
        at = f"{where}.content[{index}]"
        kind = part_type(part, at)
        if kind not in ("text", "image_url"):
            raise unsupported(kind, at)
        yield kind, part, at


def part_text(part: dict[str, Any], at: str) -> str:
    """The string of a ``text`` or ``refusal`` content part, or a 400."""
    kind = part["type"]
    text = part.get(kind)
    if not isinstance(text, str):
        raise bad_request(f"{at} needs a string '{kind}'.")
    return text


def part_type(part: Any, at: str) -> str:
    """The ``type`` of a message content part, or a 400 naming where it is."""
    if not isinstance(part, dict) or not isinstance(part.get("type"), str):
        raise bad_request(f"{at} must be a content part object with a 'type'.")
    return str(part["type"])


def function_calls(message: dict[str, Any], where: str) -> list[tuple[str, str, dict[str, Any]]]:
    """An assistant message's tool calls, each as ``function_call`` reads it."""
    tool_calls = message.get("tool_calls")
    if tool_calls is None:
        return []
    if not isinstance(tool_calls, list):
        raise bad_request(f"{where}.tool_calls must be a list.")
    return [function_call(tool_call, f"{where}.tool_calls[{index}]") for index, tool_call in enumerate(tool_calls)]


def answered_call_id(message: dict[str, Any], where: str) -> str:
    """The ``tool_call_id`` a tool message answers, or a 400."""
    tool_call_id = message.get("tool_call_id")
    if not isinstance(tool_call_id, str) or not tool_call_id:
        raise bad_request(f"{where}: a tool message needs a string 'tool_call_id'.")
    return tool_call_id


def function_call(tool_call: Any, at: str) -> tuple[str, str, dict[str, Any]]:
    """An assistant message's tool call as (id, function name, arguments as an object), or a 400."""
    function = tool_call.get("function") if isinstance(tool_call, dict) else None
    if not isinstance(function, dict) or not isinstance(tool_call.get("id"), str) or not tool_call["id"] \
            or not isinstance(function.get("name"), str) or not function["name"]:
        raise bad_request(f"{at} must be a function call with a string 'id' and 'function.name'.")
    return tool_call["id"], function["name"], tool_input(function.get("arguments"))


def function_tool(tool: Any, at: str, provider: str) -> tuple[str, str | None, dict[str, Any]]:
    """A function tool of the request as (name, description, parameters schema), or a 400; no
    ``parameters`` is an object schema without properties. ``provider`` names who cannot take others."""
    if not isinstance(tool, dict) or tool.get("type", "function") != "function":
        kind = tool.get("type") if isinstance(tool, dict) else None
        raise bad_request(f"{at}: tool type {kind!r} is not supported; {provider} takes function tools.",
                          code="unsupported_tool")
    function = tool.get("function")
    if not isinstance(function, dict) or not isinstance(function.get("name"), str) or not function["name"]:
        raise bad_request(f"{at} needs a 'function' with a string 'name'.")
    parameters = function.get("parameters")
    if parameters is None:
        parameters = {"type": "object", "properties": {}}
    if not isinstance(parameters, dict):
        raise bad_request(f"{at}.function.parameters must be a JSON schema object.")
    description = function.get("description")
    return function["name"], description if isinstance(description, str) and description else None, parameters


def tool_input(arguments: Any) -> dict[str, Any]:
    """A chat tool call's arguments as the object other wires want (tool_use ``input``, toolUse ``input``).

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


def _too_large(limit: int) -> LlmError:
    return LlmError(413, f"The request body is larger than {limit} bytes.", code="request_too_large")
