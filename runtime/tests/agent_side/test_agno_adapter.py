"""The agno adapter on real Agno agents, against the offline fake model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime.tests.agent_side.framework_harness import Script, assert_well_formed, events_of, run_agent

pytestmark = pytest.mark.frameworks

AGENT = """
from agno.agent import Agent
from agno.models.openai import OpenAIChat
from pydantic import BaseModel, Field


def get_weather(city: str) -> str:
    \"\"\"Get the weather in a city.

    Args:
        city: The city's name.
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

SCRIPT = Script(
    tool="get_weather",
    tool_arguments={"city": "Paris"},
    tool_result_mark="sunny-17C",
    final_text="It is sunny and 17C in Paris.",
    structured={"city": "Paris", "temperature_c": 17},
)


@pytest.mark.parametrize("target", ["agent_with_tools", "sync_agent"])
def test_an_agent_answers_plain_and_streamed_with_its_tool_calls(tmp_path: Path, target: str) -> None:
    result = run_agent("agno", tmp_path, AGENT, target, SCRIPT, [
        {"message": "Weather in Paris?"},
        {"message": "Weather in Paris?", "stream": True},
        {"message": "And now?", "history": [
            {"role": "user", "content": "Remember the word pomegranate."}, {"role": "assistant", "content": "Noted."},
        ]},
    ])

    assert result.recognized
    plain, streamed, _with_history = result.runs
    for events in result.runs:
        assert_well_formed(events)
        assert events[-1]["text"] == "It is sunny and 17C in Paris."
        [call] = events_of(events, "tool_call")
        assert call["name"] == "get_weather" and json.loads(call["arguments"]) == {"city": "Paris"}
        [tool_result] = events_of(events, "tool_result")
        assert tool_result["id"] == call["id"] and tool_result["content"] == "sunny-17C in Paris"
    assert events_of(plain, "content") == []
    deltas = events_of(streamed, "content")
    assert len(deltas) > 1 and "".join(e["delta"] for e in deltas) == "It is sunny and 17C in Paris."
    assert "pomegranate" in json.dumps(result.requests[-1]["messages"])


def test_structured_output_is_rendered_as_json(tmp_path: Path) -> None:
    result = run_agent("agno", tmp_path, AGENT, "agent_with_structured_output", SCRIPT, [
        {"message": "Forecast Paris"},
        {"message": "Forecast Paris", "stream": True},
    ])

    for events in result.runs:
        assert_well_formed(events)
        assert json.loads(events[-1]["text"]) == {"city": "Paris", "temperature_c": 17.0}


TEAM = """
from agno.agent import Agent
from agno.models.openai import OpenAIChat
from agno.team import Team

weather_agent = Agent(id="weather-agent", name="Weather Agent", model=OpenAIChat(id="gpt-4o-mini"), role="Weather")

team = Team(name="Desk", members=[weather_agent], model=OpenAIChat(id="gpt-4o-mini"))
"""


def test_a_team_answers_through_its_member(tmp_path: Path) -> None:
    script = Script(
        tool="delegate_task_to_member", tool_arguments={"member_id": "weather-agent", "task": "Weather in Paris?"},
        tool_result_mark="sunny", final_text="It is sunny in Paris.",
    )
    result = run_agent("agno", tmp_path, TEAM, "team", script, [
        {"message": "Weather in Paris?"},
        {"message": "Weather in Paris?", "stream": True},
    ])

    assert result.recognized
    for events in result.runs:
        assert_well_formed(events)
        assert events[-1]["text"] == "It is sunny in Paris."
        assert [call["name"] for call in events_of(events, "tool_call")] == ["delegate_task_to_member"]
        [tool_result] = events_of(events, "tool_result")
        assert "It is sunny in Paris." in tool_result["content"]
    streamed = result.runs[1]
    assert "".join(e["delta"] for e in events_of(streamed, "content")) == "It is sunny in Paris."
