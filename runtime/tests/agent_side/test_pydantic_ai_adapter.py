"""The pydantic_ai adapter on a real Pydantic AI agent, against the offline fake model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime.tests.agent_side.framework_harness import Script, assert_well_formed, events_of, run_agent

pytestmark = pytest.mark.frameworks

AGENT = """
from dataclasses import dataclass

from pydantic import BaseModel
from pydantic_ai import Agent, RunContext


class WeatherClient:
    def report(self, city: str) -> str:
        return f"sunny-17C in {city}"


@dataclass
class Deps:
    client: WeatherClient


weather_agent = Agent("openai-chat:gpt-4o-mini", instructions="Be concise.", deps_type=Deps)


@weather_agent.tool
async def get_weather(ctx: RunContext[Deps], city: str) -> str:
    \"\"\"The weather in a city.\"\"\"
    return ctx.deps.client.report(city)


class Forecast(BaseModel):
    city: str
    temperature_c: float


class AgentBeforeRunStreamEvents(Agent):
    run_stream_events = None  # as releases before it: streamed through agent.iter


older_weather_agent = AgentBeforeRunStreamEvents("openai-chat:gpt-4o-mini", deps_type=Deps, tools=[get_weather])


forecast_agent = Agent("openai-chat:gpt-4o-mini", output_type=Forecast)


@forecast_agent.tool_plain
def get_weather(city: str) -> str:
    \"\"\"The weather in a city.\"\"\"
    return f"sunny-17C in {city}"
"""

SCRIPT = Script(
    tool="get_weather",
    tool_arguments={"city": "London"},
    tool_result_mark="sunny-17C",
    final_text="It is sunny and 17 degrees in London.",
    final_tool="final_result",
    final_arguments={"city": "London", "temperature_c": 17},
)


@pytest.mark.parametrize("target", ["weather_agent", "older_weather_agent"])
def test_an_agent_with_deps_answers_plain_and_streamed_with_its_tool_calls(tmp_path: Path, target: str) -> None:
    plain_script = Script(**{**SCRIPT.__dict__, "final_tool": None})
    result = run_agent("pydantic_ai", tmp_path, AGENT, target, plain_script, [
        {"message": "Weather in London?"},
        {"message": "Weather in London?", "stream": True},
        {"message": "And now?", "history": [
            {"role": "user", "content": "Remember the word pomegranate."}, {"role": "assistant", "content": "Noted."},
        ]},
    ])

    assert result.recognized
    plain, streamed, _with_history = result.runs
    for events in result.runs:
        assert_well_formed(events)
        assert events[-1]["text"] == "It is sunny and 17 degrees in London."
        [call] = events_of(events, "tool_call")
        assert call["name"] == "get_weather" and json.loads(call["arguments"]) == {"city": "London"}
        [tool_result] = events_of(events, "tool_result")
        assert tool_result["id"] == call["id"] and tool_result["content"] == "sunny-17C in London"
    assert events_of(plain, "content") == []
    assert "".join(e["delta"] for e in events_of(streamed, "content")) == "It is sunny and 17 degrees in London."
    assert len(events_of(streamed, "content")) > 1
    assert "pomegranate" in json.dumps(result.requests[-1]["messages"])


def test_structured_output_is_rendered_as_json(tmp_path: Path) -> None:
    result = run_agent("pydantic_ai", tmp_path, AGENT, "forecast_agent", SCRIPT, [
        {"message": "Forecast London"}, {"message": "Forecast London", "stream": True},
    ])

    for events in result.runs:
        assert_well_formed(events)
        assert json.loads(events[-1]["text"]) == {"city": "London", "temperature_c": 17.0}
        assert [call["name"] for call in events_of(events, "tool_call")][:1] == ["get_weather"]
