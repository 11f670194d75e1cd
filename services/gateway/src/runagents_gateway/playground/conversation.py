"""Reading an OpenAI chat-completions request: its messages, latest user text and tool results."""

from dataclasses import dataclass
from typing import Any

from runagents_gateway.playground.errors import PlaygroundRequestError
from runagents_gateway.playground.text import content_text

TOOL_RESULT_ROLES = ("tool", "function")


@dataclass(frozen=True)
class ToolResult:
    """One tool (or legacy function) message answering an earlier assistant tool call."""

    tool_name: str
    content: str


def chat_messages(request: dict[str, Any]) -> list[dict[str, Any]]:
    messages = request.get("messages")
    if not isinstance(messages, list) or not messages:
        raise PlaygroundRequestError("'messages' must be a non-empty list")
    if not all(isinstance(message, dict) for message in messages):
        raise PlaygroundRequestError("every entry of 'messages' must be an object")
    return messages


def last_role(messages: list[dict[str, Any]]) -> str:
    return str(messages[-1].get("role", ""))


def latest_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return content_text(message.get("content"))
    return ""


def trailing_tool_results(messages: list[dict[str, Any]]) -> list[ToolResult]:
    """The tool messages at the end of the conversation, in order, named after their tool call."""
    names_by_call_id = _tool_names_by_call_id(messages)
    results: list[ToolResult] = []
    for message in reversed(messages):
        if message.get("role") not in TOOL_RESULT_ROLES:
            break
        name = names_by_call_id.get(str(message.get("tool_call_id")), message.get("name") or "tool")
        results.append(ToolResult(tool_name=str(name), content=content_text(message.get("content"))))
    return list(reversed(results))


def _tool_names_by_call_id(messages: list[dict[str, Any]]) -> dict[str, str]:
    names: dict[str, str] = {}
    for message in messages:
        for tool_call in message.get("tool_calls") or []:
            function = tool_call.get("function") if isinstance(tool_call, dict) else None
            if isinstance(function, dict) and "id" in tool_call:
                names[str(tool_call["id"])] = str(function.get("name", "tool"))
    return names
