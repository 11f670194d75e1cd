"""The playground model's decision for one turn: call tools, report tool results, or reply."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from runagents_gateway.playground.conversation import (
    TOOL_RESULT_ROLES,
    ToolResult,
    chat_messages,
    last_role,
    latest_user_text,
    trailing_tool_results,
)
from runagents_gateway.playground.prompt_schema import requested_schema
from runagents_gateway.playground.react import react_reply, read_react_prompt
from runagents_gateway.playground.response_format import format_reply
from runagents_gateway.playground.schema_values import fill_schema
from runagents_gateway.playground.stop_sequences import cut_at_stop, stop_sequences
from runagents_gateway.playground.tool_selection import (
    ToolSpec,
    offered_tools,
    parse_tool_choice,
    select_tools,
)

REPLY_PREFIX = "Playground reply to: "
EMPTY_CONVERSATION_REPLY = "Playground reply: there is no user message to answer."
TOOL_CALL_ID_HASH_LENGTH = 12


@dataclass(frozen=True)
class PlannedToolCall:
    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class AssistantTurn:
    """What the assistant says: text content, or tool calls (then content is None)."""

    content: str | None
    tool_calls: tuple[PlannedToolCall, ...] = ()

    @property
    def finish_reason(self) -> str:
        return "tool_calls" if self.tool_calls else "stop"


def plan_assistant_turn(request: dict[str, Any]) -> AssistantTurn:
    messages = chat_messages(request)
    tools = offered_tools(request)
    choice = parse_tool_choice(request.get("tool_choice"), tools)
    stops = stop_sequences(request.get("stop"))
    user_text = latest_user_text(messages)
    role = last_role(messages)
    if role == "user":
        parallel = request.get("parallel_tool_calls") is not False
        chosen = select_tools(tools, choice, user_text, parallel=parallel)
        if chosen:
            return AssistantTurn(content=None, tool_calls=_plan_tool_calls(chosen, user_text, len(messages)))
    return AssistantTurn(content=cut_at_stop(_text_content(request, messages, tools, user_text), stops))


def _text_content(request: dict[str, Any], messages: list[dict[str, Any]], tools: list[ToolSpec],
                  user_text: str) -> str:
    response_format = request.get("response_format")
    if last_role(messages) in TOOL_RESULT_ROLES:
        return format_reply(tool_results_reply(trailing_tool_results(messages)), response_format)
    # Tools offered natively are called natively; a ReAct prompt is for models without them.
    react = None if tools else read_react_prompt(messages)
    if react is not None:
        return format_reply(react_reply(react, tool_arguments, final_answer), response_format)
    return format_reply(text_reply(user_text), response_format, requested_schema(messages))


def final_answer(question: str, results: list[ToolResult]) -> str:
    """What the model concludes: the tools' results when it called any, else its reply."""
    return tool_results_reply(results) if results else text_reply(question)


def text_reply(user_text: str) -> str:
    return f"{REPLY_PREFIX}{user_text}" if user_text else EMPTY_CONVERSATION_REPLY


def tool_results_reply(results: list[ToolResult]) -> str:
    return "\n".join(f"Tool {result.tool_name} returned: {result.content}" for result in results)


def tool_arguments(tool: ToolSpec, user_text: str) -> dict[str, Any]:
    """Arguments filling the tool's parameter schema; message-like strings get `user_text`."""
    arguments = fill_schema(tool.parameters, fill_text=user_text) if tool.parameters else {}
    return arguments if isinstance(arguments, dict) else {}


def tool_call_id(index: int, name: str, arguments: str, turn: int) -> str:
    """`call_<index>_<hash>`: stable for the same call at the same conversation length."""
    digest = hashlib.sha256(f"{turn}\x00{index}\x00{name}\x00{arguments}".encode()).hexdigest()
    return f"call_{index}_{digest[:TOOL_CALL_ID_HASH_LENGTH]}"


def _plan_tool_calls(tools: list[ToolSpec], user_text: str, turn: int) -> tuple[PlannedToolCall, ...]:
    calls: list[PlannedToolCall] = []
    for index, tool in enumerate(tools):
        arguments = json.dumps(tool_arguments(tool, user_text), separators=(",", ":"), ensure_ascii=False)
        calls.append(PlannedToolCall(tool_call_id(index, tool.name, arguments, turn), tool.name, arguments))
    return tuple(calls)
