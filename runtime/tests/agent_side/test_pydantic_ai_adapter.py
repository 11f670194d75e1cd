"""The pydantic_ai adapter on a real Pydantic AI agent, against the offline fake model."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.tests.agent_side import framework_harness as harness

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

SCRIPT = harness.Script(
    tool="get_weather",
    tool_arguments={"city": "London"},
    tool_result_mark="sunny-17C",
    final_text="It is sunny and 17 degrees in London.",
    final_tool="final_result",
    final_arguments={"city": "London", "temperature_c": 17},
)


@pytest.mark.parametrize("target", ["weather_agent", "older_weather_agent"])
def test_an_agent_with_deps_answers_plain_and_streamed_with_its_tool_calls(tmp_path: Path, target: str) -> None:
    plain_script = harness.Script(**{**SCRIPT.__dict__, "final_tool": None})
    turns = harness.conversation("Weather in London?")
    result = harness.run_agent("pydantic_ai", tmp_path, AGENT, target, plain_script, turns)

    harness.assert_conversation_answered(
        result, "It is sunny and 17 degrees in London.", ("get_weather", {"city": "London"}), "sunny-17C in London"
    )


def test_structured_output_is_rendered_as_json(tmp_path: Path) -> None:
    turns = harness.plain_and_streamed("Forecast London")
    result = harness.run_agent("pydantic_ai", tmp_path, AGENT, "forecast_agent", SCRIPT, turns)

    for events in harness.assert_answered(result, {"city": "London", "temperature_c": 17.0}):
        assert [call["name"] for call in harness.events_of(events, "tool_call")][:1] == ["get_weather"]
