"""The google_adk adapter on real Google ADK agents (through LiteLlm), against the offline fake model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime.tests.agent_side.framework_harness import Script, assert_well_formed, events_of, run_agent

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

SCRIPT = Script(
    tool="get_weather",
    tool_arguments={"city": "Paris"},
    tool_result_mark="sunny-17C",
    final_text="It is sunny and 17C in Paris.",
)


def test_a_root_agent_answers_plain_and_streamed_with_its_tool_calls(tmp_path: Path) -> None:
    result = run_agent("google_adk", tmp_path, AGENT, "root_agent", SCRIPT, [
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
        assert tool_result["id"] == call["id"]
        assert json.loads(tool_result["content"]) == {"status": "success", "report": "sunny-17C in Paris"}
    assert events_of(plain, "content") == []
    deltas = events_of(streamed, "content")
    assert len(deltas) > 1 and "".join(e["delta"] for e in deltas) == "It is sunny and 17C in Paris."
    assert "pomegranate" in json.dumps(result.requests[-1]["messages"])


def test_a_sequential_agent_answers_with_its_last_agent_s_response(tmp_path: Path) -> None:
    result = run_agent("google_adk", tmp_path, AGENT, "pipeline", SCRIPT, [{"message": "Weather in Paris?"}])

    assert result.recognized
    [events] = result.runs
    assert_well_formed(events)
    assert events[-1]["text"] == "It is sunny and 17C in Paris."
    assert [e["name"] for e in events_of(events, "tool_call")] == ["get_weather"]
    assert len(result.requests) == 3, "the weather agent twice (tool call, answer), then the reviser"


def test_an_adk_2_workflow_answers(tmp_path: Path) -> None:
    result = run_agent("google_adk", tmp_path, AGENT, "flow", SCRIPT, [{"message": "Weather in Paris?"}])

    assert result.recognized
    [events] = result.runs
    assert_well_formed(events)
    assert events[-1]["text"] == "It is sunny and 17C in Paris."
    assert [e["name"] for e in events_of(events, "tool_call")] == ["get_weather"]
