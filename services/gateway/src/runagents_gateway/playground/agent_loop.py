"""Where an agent loop stands: the question being worked on, the tool rounds since, their results.

Agent frameworks call the model again after every tool round with the whole conversation. Most
send tool results as `tool` messages; some (smolagents) send them as a user message that starts
with `Observation:`. Either way the question is the latest user message that is not a tool
result, and every assistant turn after it is one round of the loop.
"""

import re
from dataclasses import dataclass
from typing import Any

from runagents_gateway.playground.conversation import TOOL_RESULT_ROLES, ToolResult
from runagents_gateway.playground.text import content_text

_OBSERVATION_MESSAGE = re.compile(r"^\s*(Observation\s*:|Call id\s*:)", re.IGNORECASE)
_TASK_LABEL = re.compile(r"^\s*New task\s*:\s*", re.IGNORECASE)
"""smolagents puts the user's task under this label."""


@dataclass(frozen=True)
class LoopState:
    question: str
    """The user's question this loop works on."""
    rounds: int
    """Assistant turns since the question: tool rounds (or replies) already given."""
    results: tuple[ToolResult, ...]
    """The tool results given since the last assistant turn (empty on a fresh question)."""
    called: frozenset[str]
    """Tools already called since the question."""

    @property
    def has_tool_results(self) -> bool:
        return self.rounds > 0 and bool(self.results)


def loop_state(messages: list[dict[str, Any]]) -> LoopState:
    question_index = _question_index(messages)
    if question_index is None:
        return LoopState(question="", rounds=0, results=(), called=frozenset())
    question = _TASK_LABEL.sub("", content_text(messages[question_index].get("content")), count=1)
    later = messages[question_index + 1:]
    assistant_turns = [message for message in later if message.get("role") == "assistant"]
    return LoopState(
        question=question,
        rounds=len(assistant_turns),
        results=tuple(_trailing_results(messages)),
        called=frozenset(name for turn in assistant_turns for name in _called_names(turn)),
    )


def is_tool_result(message: dict[str, Any]) -> bool:
    if message.get("role") in TOOL_RESULT_ROLES:
        return True
    return message.get("role") == "user" and bool(_OBSERVATION_MESSAGE.match(content_text(message.get("content"))))


def _question_index(messages: list[dict[str, Any]]) -> int | None:
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if message.get("role") == "user" and not is_tool_result(message):
            return index
    return None


def _trailing_results(messages: list[dict[str, Any]]) -> list[ToolResult]:
    """Tool results after the last assistant turn, named after the call they answer."""
    names_by_call_id: dict[str, str] = {}
    last_called: list[str] = []
    for message in messages:
        if message.get("role") == "assistant":
            last_called = _called_names(message)
            for call_id, name in _calls(message):
                names_by_call_id[call_id] = name
    results: list[ToolResult] = []
    for message in reversed(messages):
        if message.get("role") == "assistant" or not is_tool_result(message):
            break
        default = last_called[0] if len(last_called) == 1 else "tool"
        name = names_by_call_id.get(str(message.get("tool_call_id")), message.get("name") or default)
        text = content_text(message.get("content"))
        if message.get("role") == "user":
            text = _OBSERVATION_MESSAGE.sub("", text, count=1).strip()
        results.append(ToolResult(tool_name=str(name), content=text))
    return list(reversed(results))


def _calls(message: dict[str, Any]) -> list[tuple[str, str]]:
    calls: list[tuple[str, str]] = []
    for tool_call in message.get("tool_calls") or []:
        function = tool_call.get("function") if isinstance(tool_call, dict) else None
        if isinstance(function, dict):
            calls.append((str(tool_call.get("id")), str(function.get("name", "tool"))))
    function_call = message.get("function_call")
    if isinstance(function_call, dict) and function_call.get("name"):
        calls.append(("", str(function_call["name"])))
    return calls


_TEXT_CALL_NAME = re.compile(r"['\"]name['\"]\s*:\s*['\"]([\w.\-]+)['\"]")


def _called_names(message: dict[str, Any]) -> list[str]:
    """Tools an assistant turn called: its tool_calls, or a call written as text ("Calling tools: [...]")."""
    names = [name for _, name in _calls(message)]
    if names:
        return names
    text = content_text(message.get("content"))
    if "calling tools" in text.lower():
        return [name for name in _TEXT_CALL_NAME.findall(text) if name != "function"]
    return []
