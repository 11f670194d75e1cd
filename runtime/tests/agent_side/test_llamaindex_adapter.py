"""The llamaindex adapter on real LlamaIndex agents, against the offline fake model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime.tests.agent_side import framework_harness as harness

pytestmark = pytest.mark.frameworks

AGENT = """
from llama_index.core.agent.workflow import AgentWorkflow, FunctionAgent, ReActAgent
from llama_index.llms.openai import OpenAI


def multiply(a: float, b: float) -> float:
    \"\"\"Multiply two numbers and return the product.\"\"\"
    return a * b * 1000 + 0.5


llm = OpenAI(model="gpt-4o-mini")

workflow = AgentWorkflow.from_tools_or_functions(
    [multiply], llm=llm, system_prompt="You are an agent that can multiply using tools."
)

function_agent = FunctionAgent(tools=[multiply], llm=llm, system_prompt="You multiply with tools.")
"""

SCRIPT = harness.Script(
    tool="multiply",
    tool_arguments={"a": 2, "b": 4},
    tool_result_mark="8000.5",
    final_text="Two times four is 8000.5 here.",
)


@pytest.mark.parametrize("target", ["workflow", "function_agent"])
def test_an_agent_workflow_answers_plain_and_streamed_with_its_tool_calls(tmp_path: Path, target: str) -> None:
    result = harness.run_agent("llamaindex", tmp_path, AGENT, target, SCRIPT, harness.conversation("What is 2*4?"))

    harness.assert_conversation_answered(
        result, "Two times four is 8000.5 here.", ("multiply", {"a": 2, "b": 4}), "8000.5"
    )


def test_a_react_agent_answers_with_its_tool_calls(tmp_path: Path) -> None:
    react = AGENT + "\nreact_agent = ReActAgent(tools=[multiply], llm=llm)\n"
    script = harness.code_script(
        "8000.5",
        'Thought: I need to use a tool.\nAction: multiply\nAction Input: {"a": 2, "b": 4}',
        "Thought: I can answer without using any more tools.\nAnswer: Two times four is 8000.5 here.",
        tool="multiply",
    )
    turns = harness.plain_and_streamed("What is 2*4?")
    result = harness.run_agent("llamaindex", tmp_path, react, "react_agent", script, turns)

    for events in harness.assert_answered(result, "Two times four is 8000.5 here."):
        [call] = harness.events_of(events, "tool_call")
        assert call["name"] == "multiply" and json.loads(call["arguments"]) == {"a": 2, "b": 4}
        assert harness.events_of(events, "tool_result")[0]["content"] == "8000.5"
        assert harness.events_of(events, "content") == [], "a ReAct agent's Thought / Action text is not the answer"
