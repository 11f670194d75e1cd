"""The smolagents adapter on real smolagents agents, against the offline fake model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime.tests.agent_side.framework_harness import Script, assert_well_formed, events_of, run_agent

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
    script = Script(
        tool="get_weather", tool_arguments={"city": "Paris"}, tool_result_mark="sunny-17C",
        final_text="", final_tool="final_answer", final_arguments={"answer": "It is sunny and 17C in Paris."},
    )
    result = run_agent("smolagents", tmp_path, AGENT, "tool_agent", script, [
        {"message": "Weather in Paris?"},
        {"message": "Weather in Paris?", "stream": True},
    ])

    assert result.recognized
    for events in result.runs:
        assert_well_formed(events)
        assert events[-1]["text"] == "It is sunny and 17C in Paris."
        calls = events_of(events, "tool_call")
        assert [c["name"] for c in calls] == ["get_weather", "final_answer"]
        assert json.loads(calls[0]["arguments"]) == {"city": "Paris"}
        first_result = events_of(events, "tool_result")[0]
        assert first_result["id"] == calls[0]["id"] and "sunny-17C in Paris" in first_result["content"]


def test_a_code_agent_answers_with_its_final_answer(tmp_path: Path) -> None:
    script = Script(
        tool="", tool_arguments={}, tool_result_mark="sunny-17C", final_text="",
        code=(
            'Thought: I will look the weather up.\n<code>\nprint(get_weather(city="Paris"))\n</code>',
            'Thought: I have it.\n<code>\nfinal_answer("It is sunny and 17C in Paris.")\n</code>',
        ),
    )
    result = run_agent("smolagents", tmp_path, AGENT, "code_agent", script, [
        {"message": "Weather in Paris?"},
        {"message": "Weather in Paris?", "stream": True},
    ])

    assert result.recognized
    for events in result.runs:
        assert_well_formed(events)
        assert events[-1]["text"] == "It is sunny and 17C in Paris."
        calls = events_of(events, "tool_call")
        assert calls and calls[0]["name"] == "python_interpreter" and "get_weather" in calls[0]["arguments"]
        results = events_of(events, "tool_result")
        assert results and "sunny-17C in Paris" in results[0]["content"], events
