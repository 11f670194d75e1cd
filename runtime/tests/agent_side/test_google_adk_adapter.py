"""The google_adk adapter on real Google ADK agents (through LiteLlm), against the offline fake model."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.tests.agent_side import framework_harness as harness

pytestmark = pytest.mark.frameworks

AGENT = """
from google.adk.agents import Agent, SequentialAgent
from google.adk.models.lite_llm import LiteLlm


def get_weather(city: str) -> dict:
    \"\"\"Retrieves the current weather report for a specified city.

    Args:
        city (str): The name of the city for which to retrieve the weather report.

    Returns:
        dict: status and result or error msg.
    \"\"\"
    return {"status": "success", "report": f"sunny-17C in {city}"}


root_agent = Agent(
    name="weather_agent",
    model=LiteLlm(model="openai/gpt-4o-mini"),
    description="Agent to answer questions about the weather in a city.",
    instruction="You are a helpful agent who can answer user questions about the weather in a city.",
    tools=[get_weather],
)

reviser = Agent(
    name="reviser",
    model=LiteLlm(model="openai/gpt-4o-mini"),
    instruction="Revise the weather report.",
)

pipeline = SequentialAgent(name="pipeline", sub_agents=[root_agent, reviser])

from google.adk.workflow import START, Workflow

flow = Workflow(name="flow", edges=[(START, root_agent)])
"""

SCRIPT = harness.Script(
    tool="get_weather",
    tool_arguments={"city": "Paris"},
    tool_result_mark="sunny-17C",
    final_text="It is sunny and 17C in Paris.",
)


def test_a_root_agent_answers_plain_and_streamed_with_its_tool_calls(tmp_path: Path) -> None:
    turns = harness.conversation("Weather in Paris?")
    result = harness.run_agent("google_adk", tmp_path, AGENT, "root_agent", SCRIPT, turns)

    harness.assert_conversation_answered(
        result, "It is sunny and 17C in Paris.", ("get_weather", {"city": "Paris"}),
        {"status": "success", "report": "sunny-17C in Paris"},
    )


def test_a_sequential_agent_answers_with_its_last_agent_s_response(tmp_path: Path) -> None:
    result = harness.run_agent("google_adk", tmp_path, AGENT, "pipeline", SCRIPT, [{"message": "Weather in Paris?"}])

    [events] = harness.assert_answered(result, "It is sunny and 17C in Paris.")
    assert [e["name"] for e in harness.events_of(events, "tool_call")] == ["get_weather"]
    assert len(result.requests) == 3, "the weather agent twice (tool call, answer), then the reviser"


def test_an_adk_2_workflow_answers(tmp_path: Path) -> None:
    result = harness.run_agent("google_adk", tmp_path, AGENT, "flow", SCRIPT, [{"message": "Weather in Paris?"}])

    [events] = harness.assert_answered(result, "It is sunny and 17C in Paris.")
    assert [e["name"] for e in harness.events_of(events, "tool_call")] == ["get_weather"]
