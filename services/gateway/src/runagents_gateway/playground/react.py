"""The ReAct text protocol: tools described in the prompt, calls written as text.

Agents on models without native function calling (LangChain's `create_react_agent`, CrewAI when
the model lacks function calling, LlamaIndex's ReActAgent) list their tools in the prompt and ask
for `Thought:` / `Action: <tool>` / `Action Input: <input>` lines; they run the tool and send its
result back as an `Observation:` in the conversation, until the model writes a final answer
(`Final Answer:`, or `Answer:` where that is the format asked for).

The playground answers such a prompt the way it answers native tool calls: each tool the
question matches is called once, in order, then the final answer reports what they returned.
"""

import ast
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runagents_gateway.playground.conversation import ToolResult
from runagents_gateway.playground.text import content_text
from runagents_gateway.playground.tool_selection import ToolChoice, ToolSpec, select_tools

INSTRUCTION_ROLES = ("system", "developer", "user")
_ACTION_LINE = re.compile(r"^[^\w\n]*Action\s*:(.*)$", re.MULTILINE)
_ACTION_INPUT_LINE = re.compile(r"^[^\w\n]*Action\s*Input\s*:(.*)$", re.MULTILINE)
_FINAL_ANSWER_LINE = re.compile(r"^[^\w\n]*Final\s*Answer\s*:", re.MULTILINE)
_ANSWER_LINE = re.compile(r"^[^\w\n]*Answer\s*:", re.MULTILINE)
_OBSERVATION = re.compile(r"^[^\w\n]*Observation\s*:", re.MULTILINE)
_QUESTION_LINE = re.compile(r"^[^\w\n]*Question\s*:[ \t]*(.*)$", re.MULTILINE)
_STEP_LINE = re.compile(r"^[^\w\n]*(Thought|Action|Action\s*Input|Observation|Final\s*Answer|Answer)\s*:", re.MULTILINE)
_TOOL_NAME_LIST = re.compile(r"one\s+(?:name\s+)?of\s*[\[(]([^\]\)\n]*)[\])]", re.IGNORECASE)
_TOOL_NAME_LINE = re.compile(r"^[^\w\n]*Tool\s*Name\s*:\s*(\S+)[ \t]*$", re.MULTILINE)
_SCHEMA_LABEL = re.compile(r"Tool\s*(?:Arguments|Args)\s*:\s*", re.IGNORECASE)
_SIGNATURE = re.compile(r"^\(([^)]*)\)")
_DESCRIPTION_LINE = re.compile(r"Tool\s*Description\s*:\s*(.*)", re.IGNORECASE)


@dataclass(frozen=True)
class ReactPrompt:
    tools: list[ToolSpec]
    final_marker: str
    """`Final Answer:`, or `Answer:` for prompts that ask for that."""
    json_input: bool
    """The prompt asks for the Action Input as a JSON object."""
    question: str
    scratchpad: tuple[str, ...]
    """What was written after the question, one piece per message: earlier steps, observations."""
    continues_thought: bool
    """The conversation ends with `Thought:`, so the reply continues that line."""


def read_react_prompt(messages: list[dict[str, Any]]) -> ReactPrompt | None:
    """The ReAct prompt of the conversation, or None when it asks for no ReAct steps."""
    instructions = "\n".join(
        content_text(m.get("content")) for m in messages if m.get("role") in INSTRUCTION_ROLES
    )
    action_input = _ACTION_INPUT_LINE.search(instructions)
    if not _ACTION_LINE.search(instructions) or action_input is None:
        return None
    if _FINAL_ANSWER_LINE.search(instructions):
        final_marker = "Final Answer:"
    elif _ANSWER_LINE.search(instructions):
        final_marker = "Answer:"
    else:
        return None
    tools = _described_tools(instructions)
    question, scratchpad = _question_and_scratchpad(messages, tools)
    last_text = content_text(messages[-1].get("content")).rstrip()
    return ReactPrompt(
        tools=tools,
        final_marker=final_marker,
        json_input="json" in action_input.group(1).lower(),
        question=question,
        scratchpad=scratchpad,
        continues_thought=last_text.endswith("Thought:"),
    )


def react_reply(prompt: ReactPrompt, arguments_for: Callable[[ToolSpec, str], dict[str, Any]],
                final_text: Callable[[str, list[ToolResult]], str]) -> str:
    """The next ReAct step: the next tool to call, or the final answer.

    `arguments_for(tool, question)` fills a tool's arguments; `final_text(question, results)`
    words the final answer.
    """
    done = _observations(prompt.scratchpad)
    called = {name for name, _ in done}
    wanted = select_tools(prompt.tools, ToolChoice(mode="auto"), prompt.question, parallel=True)
    pending = [tool for tool in wanted if tool.name not in called]
    if pending:
        tool = pending[0]
        action_input = _action_input(arguments_for(tool, prompt.question), json_input=prompt.json_input)
        return _thought(prompt, f"I should use the {tool.name} tool.") + (
            f"\nAction: {tool.name}\nAction Input: {action_input}"
        )
    results = [ToolResult(tool_name=name, content=observation) for name, observation in done]
    answer = final_text(prompt.question, results)
    return _thought(prompt, "I now know the final answer") + f"\n{prompt.final_marker} {answer}"


def _thought(prompt: ReactPrompt, thought: str) -> str:
    return f" {thought}" if prompt.continues_thought else f"Thought: {thought}"


def _action_input(arguments: dict[str, Any], *, json_input: bool) -> str:
    values = list(arguments.values())
    if not json_input and len(values) == 1 and isinstance(values[0], str):
        return " ".join(values[0].split())
    return json.dumps(arguments, ensure_ascii=False)


def _observations(scratchpad: tuple[str, ...]) -> list[tuple[str, str]]:
    """(tool, observation) for each step that got its observation; an observation ends at the
    next step line or with its message."""
    steps: list[tuple[str, str]] = []
    action: str | None = None
    for piece in scratchpad:
        markers = list(_STEP_LINE.finditer(piece))
        for index, marker in enumerate(markers):
            end = markers[index + 1].start() if index + 1 < len(markers) else len(piece)
            value = piece[marker.end():end].strip()
            kind = re.sub(r"\s+", " ", marker.group(1))
            if kind == "Action":
                action = value.splitlines()[0].strip() if value else None
            elif kind == "Observation" and action is not None:
                steps.append((action, value))
                action = None
    return steps


def _described_tools(instructions: str) -> list[ToolSpec]:
    names = _tool_names(instructions)
    return [_tool_spec(name, instructions) for name in names]


def _tool_names(instructions: str) -> list[str]:
    for action_line in _ACTION_LINE.finditer(instructions):
        listed = _TOOL_NAME_LIST.search(action_line.group(1))
        if listed:
            names = [name.strip().strip("'\"`") for name in listed.group(1).split(",")]
            return list(dict.fromkeys(name for name in names if name))
    return list(dict.fromkeys(match.group(1).strip("'\"`") for match in _TOOL_NAME_LINE.finditer(instructions)))


def _tool_spec(name: str, instructions: str) -> ToolSpec:
    """The tool as described in the prompt: `Tool Name: x` blocks (with `Tool Description:` and a
    JSON schema under `Tool Arguments:`/`Tool Args:`), or one line `x(arg: type) - description` /
    `x: description`."""
    block = _tool_block(name, instructions)
    parameters = _block_schema(block)
    rest = re.sub(rf"^[^\w\n]*(?:Tool\s*Name\s*:\s*)?{re.escape(name)}", "", block, count=1).strip()
    if parameters is None:
        signature = _SIGNATURE.match(rest)
        if signature:
            names = [part.split(":")[0].split("=")[0].strip() for part in signature.group(1).split(",")]
            arguments = [argument for argument in names if argument.isidentifier() and argument != "self"]
            parameters = {"type": "object", "properties": {a: {"type": "string"} for a in arguments},
                          "required": arguments}
    labelled = _DESCRIPTION_LINE.search(block)
    description = labelled.group(1) if labelled else rest
    return ToolSpec(name=name, description=description, parameters=parameters or {})


def _tool_block(name: str, instructions: str) -> str:
    """The text describing `name`: its `Tool Name:` block (up to a blank line or the next tool),
    or the one line that starts with its name."""
    start = re.search(rf"^[^\w\n]*(Tool\s*Name\s*:\s*)?{re.escape(name)}\b", instructions, re.MULTILINE)
    if start is None:
        return name
    if start.group(1) is None:
        end = instructions.find("\n", start.start())
        return instructions[start.start(): end if end >= 0 else len(instructions)]
    ends = [instructions.find("\n\n", start.end())]
    next_tool = _TOOL_NAME_LINE.search(instructions, start.end())
    ends.append(next_tool.start() if next_tool else -1)
    end = min((e for e in ends if e >= 0), default=len(instructions))
    return instructions[start.start():end]


def _block_schema(block: str) -> dict[str, Any] | None:
    """The arguments' schema under `Tool Arguments:`: a JSON schema, or (CrewAI before 0.80 writes a
    Python dict of the properties alone, `{'task': {'description': ..., 'type': 'str'}}`) one made of it."""
    label = _SCHEMA_LABEL.search(block)
    if label is None:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(block, label.end())
    except ValueError:
        value = _python_literal(block[label.end():])
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("properties"), dict):
        return value
    if value and all(isinstance(spec, dict) and ("type" in spec or "description" in spec) for spec in value.values()):
        properties = {str(name): {"type": "string", "description": str(spec.get("description", ""))}
                      for name, spec in value.items()}
        return {"type": "object", "properties": properties, "required": list(properties)}
    return None


def _python_literal(text: str) -> object:
    """The Python literal (a dict) at the start of `text`, up to its balanced closing brace."""
    start = text.find("{")
    if start < 0 or text[:start].strip():
        return None
    depth = 0
    for index, character in enumerate(text[start:], start):
        depth += {"{": 1, "}": -1}.get(character, 0)
        if depth == 0:
            try:
                return ast.literal_eval(text[start:index + 1])
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                return None
    return None


def _question_and_scratchpad(messages: list[dict[str, Any]], tools: list[ToolSpec]) -> tuple[str, tuple[str, ...]]:
    """The question is the latest user text that is not an observation: the last `Question:`
    in it, or else its lines that are neither ReAct steps nor tool descriptions."""
    index = _question_message(messages)
    if index is None:
        return "", ()
    text = content_text(messages[index].get("content"))
    later = tuple(content_text(m.get("content")) for m in messages[index + 1:])
    questions = list(_QUESTION_LINE.finditer(text))
    if questions:
        last = questions[-1]
        following = _STEP_LINE.search(text, last.end())
        end = following.start() if following else len(text)
        question = (last.group(1) + text[last.end():end]).strip()
        return question, (text[end:], *later)
    described = {line for tool in tools for line in _tool_block(tool.name, text).splitlines()}
    kept = [line for line in text.splitlines() if not _STEP_LINE.match(line) and line not in described]
    return "\n".join(kept).strip(), later


def _question_message(messages: list[dict[str, Any]]) -> int | None:
    """The latest user message that asks something: not an observation, and not a nudge to go
    on that follows an unfinished step (an assistant turn with an action but no final answer)."""
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if message.get("role") != "user":
            continue
        if _OBSERVATION.match(content_text(message.get("content")).lstrip()):
            continue
        if index > 0 and _is_unfinished_step(messages[index - 1]):
            continue
        return index
    return None


def _is_unfinished_step(message: dict[str, Any]) -> bool:
    if message.get("role") != "assistant":
        return False
    text = content_text(message.get("content"))
    return bool(_ACTION_LINE.search(text)) and not _FINAL_ANSWER_LINE.search(text) and not _ANSWER_LINE.search(text)
