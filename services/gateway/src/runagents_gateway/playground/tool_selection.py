"""Which offered tools the playground model calls for a user message.

A tool is chosen when the message names it outright; failing that, every tool whose function
name or description shares a keyword with the message. `tool_choice` "none" disables calls,
"required" falls back to an output tool (or the first tool) when nothing matches, and a named
function is always the one called.

Output tools are how frameworks take a final or structured answer as a tool call: Pydantic AI's
`final_result` (`final_result_<Type>` when there are several), smolagents' `final_answer`.
They are the answer, never a step on the way to it.
"""

import re
from dataclasses import dataclass
from typing import Any

from runagents_gateway.playground.errors import PlaygroundRequestError
from runagents_gateway.playground.text import keywords

TOOL_CHOICE_MODES = ("auto", "none", "required")
_OUTPUT_TOOL_NAME = re.compile(r"^(final_result(_\w+)?|final_answer|final_output)$")


@dataclass(frozen=True)
class ToolSpec:
    """An offered function tool."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class ToolChoice:
    """A parsed `tool_choice`: a mode, or the one function that must be called."""

    mode: str
    forced_function: str | None = None


def offered_tools(request: dict[str, Any]) -> list[ToolSpec]:
    """The request's function tools, in order; other tool types are ignored."""
    raw_tools = request.get("tools") or []
    if not isinstance(raw_tools, list):
        raise PlaygroundRequestError("'tools' must be a list")
    tools: list[ToolSpec] = []
    for raw_tool in raw_tools:
        if not isinstance(raw_tool, dict) or raw_tool.get("type", "function") != "function":
            continue
        function = raw_tool.get("function")
        if not isinstance(function, dict):
            raise PlaygroundRequestError("every function tool needs a 'function' object")
        if not isinstance(function.get("name"), str):
            raise PlaygroundRequestError("every function tool needs a string 'name'")
        parameters = function.get("parameters")
        tools.append(
            ToolSpec(
                name=function["name"],
                description=str(function.get("description") or ""),
                parameters=parameters if isinstance(parameters, dict) else {},
            )
        )
    return tools


def parse_tool_choice(raw_choice: Any, tools: list[ToolSpec]) -> ToolChoice:
    if raw_choice is None:
        return ToolChoice(mode="auto")
    if isinstance(raw_choice, str):
        if raw_choice not in TOOL_CHOICE_MODES:
            raise PlaygroundRequestError(f"unknown tool_choice {raw_choice!r}")
        if raw_choice == "required" and not tools:
            raise PlaygroundRequestError("tool_choice 'required' needs at least one tool")
        return ToolChoice(mode=raw_choice)
    forced = _forced_function_name(raw_choice)
    if forced is None:
        raise PlaygroundRequestError("tool_choice must be 'auto', 'none', 'required' or a function")
    if forced not in {tool.name for tool in tools}:
        raise PlaygroundRequestError(f"tool_choice names {forced!r}, which is not among the tools")
    return ToolChoice(mode="required", forced_function=forced)


def _forced_function_name(raw_choice: Any) -> str | None:
    if not isinstance(raw_choice, dict) or raw_choice.get("type") != "function":
        return None
    function = raw_choice.get("function")
    name = function.get("name") if isinstance(function, dict) else raw_choice.get("name")
    return name if isinstance(name, str) else None


def is_output_tool(tool: ToolSpec) -> bool:
    return bool(_OUTPUT_TOOL_NAME.match(tool.name))


def output_tool(tools: list[ToolSpec]) -> ToolSpec | None:
    return next((tool for tool in tools if is_output_tool(tool)), None)


def select_tools(tools: list[ToolSpec], choice: ToolChoice, text: str, *, parallel: bool) -> list[ToolSpec]:
    """The tools to call for the user message `text`; with `parallel` False, at most one."""
    if choice.mode == "none" or not tools:
        return []
    if choice.forced_function is not None:
        return [tool for tool in tools if tool.name == choice.forced_function][:1]
    steps = [tool for tool in tools if not is_output_tool(tool)]
    chosen = _mentioned_tools(steps, text) or _keyword_matched_tools(steps, text)
    if not chosen and choice.mode == "required":
        chosen = [output_tool(tools) or tools[0]]
    return chosen if parallel else chosen[:1]


def _mentioned_tools(tools: list[ToolSpec], user_text: str) -> list[ToolSpec]:
    lowered = user_text.lower()
    return [tool for tool in tools if tool.name.lower() in lowered]


def _keyword_matched_tools(tools: list[ToolSpec], user_text: str) -> list[ToolSpec]:
    message_keywords = keywords(user_text)
    return [tool for tool in tools if message_keywords & keywords(f"{tool.name} {tool.description}")]
