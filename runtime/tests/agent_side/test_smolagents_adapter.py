"""The smolagents adapter on real smolagents agents, against the offline fake model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime.tests.agent_side import framework_harness as harness

pytestmark = pytest.mark.frameworks

AGENT = """
from smolagents import CodeAgent, OpenAIServerModel, ToolCallingAgent, tool


@tool
def get_weather(city: str) -> str:
    \"\"\"Get the weather in a city.

    Args:
        city: The city's name.
    \"\"\"
    return f"sunny-17C in {city}"


model = OpenAIServerModel(model_id="gpt-4o-mini")

tool_agent = ToolCallingAgent(tools=[get_weather], model=model, max_steps=4)

code_agent = CodeAgent(tools=[get_weather], model=model, max_steps=4, stream_outputs=True)
"""


def test_a_tool_calling_agent_answers_plain_and_streamed_with_its_tool_calls(tmp_path: Path) -> None:
    script = harness.Script(
        tool="get_weather", tool_arguments={"city": "Paris"}, tool_result_mark="sunny-17C",
        final_text="", final_tool="final_answer", final_arguments={"answer": "It is sunny and 17C in Paris."},
    )
    turns = harness.plain_and_streamed("Weather in Paris?")
    result = harness.run_agent("smolagents", tmp_path, AGENT, "tool_agent", script, turns)

    for events in harness.assert_answered(result, "It is sunny and 17C in Paris."):
        calls = harness.events_of(events, "tool_call")
        assert [c["name"] for c in calls] == ["get_weather", "final_answer"]
        assert json.loads(calls[0]["arguments"]) == {"city": "Paris"}
        first_result = harness.events_of(events, "tool_result")[0]
        assert first_result["id"] == calls[0]["id"] and "sunny-17C in Paris" in first_result["content"]


def test_a_code_agent_answers_with_its_final_answer(tmp_path: Path) -> None:
    script = harness.code_script(
        "sunny-17C",
        'Thought: I will look the weather up.\n<code>\nprint(get_weather(city="Paris"))\n</code>',
        'Thought: I have it.\n<code>\nfinal_answer("It is sunny and 17C in Paris.")\n</code>',
    )
    turns = harness.plain_and_streamed("Weather in Paris?")
    result = harness.run_agent("smolagents", tmp_path, AGENT, "code_agent", script, turns)

    for events in harness.assert_answered(result, "It is sunny and 17C in Paris."):
        calls = harness.events_of(events, "tool_call")
        assert calls and calls[0]["name"] == "python_interpreter" and "get_weather" in calls[0]["arguments"]
        results = harness.events_of(events, "tool_result")
        assert results and "sunny-17C in Paris" in results[0]["content"], events
