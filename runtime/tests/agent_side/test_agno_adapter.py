"""The agno adapter on real Agno agents, against the offline fake model."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.tests.agent_side import framework_harness as harness

pytestmark = pytest.mark.frameworks

AGENT = """
from agno.agent import Agent
from agno.models.openai import OpenAIChat
from pydantic import BaseModel, Field


def get_weather(city: str) -> str:
    \"\"\"Get the current weather in a city.

    Args:
        city (str): The name of the city.
    \"\"\"
    return f"sunny-17C in {city}"


agent_with_tools = Agent(
    name="Weather Agent",
    model=OpenAIChat(id="gpt-4o-mini"),
    instructions="You answer questions about the weather.",
    tools=[get_weather],
    markdown=True,
)


class SyncOnlyAgent(Agent):
    arun = None  # an agent without arun: run() in a worker thread


sync_agent = SyncOnlyAgent(name="Sync Agent", model=OpenAIChat(id="gpt-4o-mini"), tools=[get_weather])


class Forecast(BaseModel):
    city: str = Field(..., description="The city")
    temperature_c: float = Field(..., description="Temperature in Celsius")


agent_with_structured_output = Agent(
    name="Forecast Agent",
    model=OpenAIChat(id="gpt-4o-mini"),
    tools=[get_weather],
    output_schema=Forecast,
)
"""

SCRIPT = harness.Script(
    tool="get_weather",
    tool_arguments={"city": "Paris"},
    tool_result_mark="sunny-17C",
    final_text="It is sunny and 17C in Paris.",
    structured={"city": "Paris", "temperature_c": 17},
)


@pytest.mark.parametrize("target", ["agent_with_tools", "sync_agent"])
def test_an_agent_answers_plain_and_streamed_with_its_tool_calls(tmp_path: Path, target: str) -> None:
    result = harness.run_agent("agno", tmp_path, AGENT, target, SCRIPT, harness.conversation("Weather in Paris?"))

    harness.assert_conversation_answered(
        result, "It is sunny and 17C in Paris.", ("get_weather", {"city": "Paris"}), "sunny-17C in Paris"
    )


def test_structured_output_is_rendered_as_json(tmp_path: Path) -> None:
    turns = harness.plain_and_streamed("Forecast Paris")
    result = harness.run_agent("agno", tmp_path, AGENT, "agent_with_structured_output", SCRIPT, turns)

    harness.assert_answered(result, {"city": "Paris", "temperature_c": 17.0})


TEAM = """
from agno.agent import Agent
from agno.models.openai import OpenAIChat
from agno.team import Team

weather_agent = Agent(id="weather-agent", name="Weather Agent", model=OpenAIChat(id="gpt-4o-mini"), role="Weather")

team = Team(name="Desk", members=[weather_agent], model=OpenAIChat(id="gpt-4o-mini"))
"""


def test_a_team_answers_through_its_member(tmp_path: Path) -> None:
    script = harness.Script(
        tool="delegate_task_to_member", tool_arguments={"member_id": "weather-agent", "task": "Weather in Paris?"},
        tool_result_mark="sunny", final_text="It is sunny in Paris.",
    )
    result = harness.run_agent("agno", tmp_path, TEAM, "team", script, harness.plain_and_streamed("Weather in Paris?"))

    for events in harness.assert_answered(result, "It is sunny in Paris."):
        assert [call["name"] for call in harness.events_of(events, "tool_call")] == ["delegate_task_to_member"]
        [tool_result] = harness.events_of(events, "tool_result")
        assert "It is sunny in Paris." in tool_result["content"]
    streamed = result.runs[1]
    assert "".join(e["delta"] for e in harness.events_of(streamed, "content")) == "It is sunny in Paris."
