"""Reading an OpenAI chat-completions request: its messages; what a tool result is."""

from dataclasses import dataclass
from typing import Any

from runagents_gateway.playground.errors import PlaygroundRequestError

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
    for message in messages:
        tool_calls = message.get("tool_calls")
        if tool_calls is not None and not (isinstance(tool_calls, list)
                                           and all(isinstance(call, dict) for call in tool_calls)):
            raise PlaygroundRequestError("a message's 'tool_calls' must be a list of objects")
    return messages


def last_role(messages: list[dict[str, Any]]) -> str:
    return str(messages[-1].get("role", ""))
