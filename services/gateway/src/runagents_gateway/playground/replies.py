"""The playground model's decision for one turn: call tools, report tool results, or reply."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from runagents_gateway.playground.agent_loop import LoopState, loop_state
from runagents_gateway.playground.conversation import TOOL_RESULT_ROLES, ToolResult, chat_messages, last_role
from runagents_gateway.playground.prompt_schema import requested_schema
from runagents_gateway.playground.react import react_reply, read_react_prompt
from runagents_gateway.playground.response_format import format_reply
from runagents_gateway.playground.schema_values import fill_schema
from runagents_gateway.playground.stop_sequences import cut_at_stop, stop_sequences
from runagents_gateway.playground.tool_selection import (
    ToolChoice,
    ToolSpec,
    is_output_tool,
    offered_tools,
    output_tool,
    parse_tool_choice,
    select_tools,
)

REPLY_PREFIX = "Playground reply to: "
EMPTY_CONVERSATION_REPLY = "Playground reply: there is no user message to answer."
TOOL_CALL_ID_HASH_LENGTH = 12
MAX_TOOL_ROUNDS = 3
"""Tool rounds after which a loop that must call tools is steered to its last tool (the answer)."""
HARD_CAP_ROUNDS = 8
"""Rounds after which the model answers in text whatever tool_choice says: a loop that no tool
ends (required, no output tool, a framework that never relaxes it) still ends."""


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
    state = loop_state(messages)
    parallel = request.get("parallel_tool_calls") is not False
    chosen = tools_for_turn(tools, choice, state, parallel=parallel)
    if chosen:
        answers = {tool.name for tool in chosen if is_output_tool(tool) or tool.name == choice.forced_function}
        return AssistantTurn(content=None, tool_calls=_plan_tool_calls(chosen, answers, state, len(messages)))
    return AssistantTurn(content=cut_at_stop(_text_content(request, messages, tools, state), stops))


def tools_for_turn(tools: list[ToolSpec], choice: ToolChoice, state: LoopState, *, parallel: bool) -> list[ToolSpec]:
    """The tools this turn calls; none means the turn answers in text.

    On the question itself: the tools it matches (see `select_tools`). Once tools have run: the
    output tool when one is offered, else text, unless tool_choice demands a call: then a matched
    tool not called yet while rounds remain, else the last tool not called yet (where frameworks
    put their structured-output tool), else the first. After HARD_CAP_ROUNDS, text in any case.
    """
    if choice.mode == "none" or not tools or state.rounds >= HARD_CAP_ROUNDS:
        return []
    if choice.forced_function is not None or state.rounds == 0:
        chosen = select_tools(tools, choice, state.question, parallel=parallel)
        final = output_tool(tools)
        return chosen or ([final] if final is not None else [])
    final = output_tool(tools)
    if final is not None:
        return [final]
    if choice.mode != "required":
        return []
    if state.rounds < MAX_TOOL_ROUNDS:
        matched = select_tools(tools, ToolChoice(mode="auto"), state.question, parallel=parallel)
        pending = [tool for tool in matched if tool.name not in state.called]
        if pending:
            return pending if parallel else pending[:1]
    uncalled = [tool for tool in tools if tool.name not in state.called]
    return [uncalled[-1] if uncalled else tools[0]]


def _text_content(request: dict[str, Any], messages: list[dict[str, Any]], tools: list[ToolSpec],
                  state: LoopState) -> str:
    response_format = request.get("response_format")
    prompt_schema = requested_schema(messages)
    if last_role(messages) in TOOL_RESULT_ROLES:
        return format_reply(tool_results_reply(list(state.results)), response_format, prompt_schema)
    # Tools offered natively are called natively; a ReAct prompt is for models without them.
    react = None if tools else read_react_prompt(messages)
    if react is not None:
        return format_reply(react_reply(react, tool_arguments, final_answer), response_format)
    if state.has_tool_results:
        return format_reply(tool_results_reply(list(state.results)), response_format, prompt_schema)
    return format_reply(text_reply(state.question), response_format, prompt_schema)


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


def _plan_tool_calls(tools: list[ToolSpec], answers: set[str], state: LoopState,
                     turn: int) -> tuple[PlannedToolCall, ...]:
    """`answers`: the tools called as the answer (an output tool, a forced function: structured
    output), whose strings carry the reply; the other tools are steps and get the question."""
    calls: list[PlannedToolCall] = []
    for index, tool in enumerate(tools):
        text = final_answer(state.question, list(state.results)) if tool.name in answers else state.question
        arguments = json.dumps(tool_arguments(tool, text), separators=(",", ":"), ensure_ascii=False)
        calls.append(PlannedToolCall(tool_call_id(index, tool.name, arguments, turn), tool.name, arguments))
    return tuple(calls)
