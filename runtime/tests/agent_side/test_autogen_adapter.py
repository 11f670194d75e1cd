"""The autogen adapter on real AutoGen AgentChat agents and teams, against the offline fake model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime.tests.agent_side import framework_harness as harness

pytestmark = pytest.mark.frameworks

AGENT = """
from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.conditions import MaxMessageTermination
from autogen_agentchat.teams import RoundRobinGroupChat
from autogen_ext.models.openai import OpenAIChatCompletionClient


async def get_weather(city: str) -> str:
    \"\"\"Get the weather for a given city.\"\"\"
    return f"sunny-17C in {city}"


model_client = OpenAIChatCompletionClient(model="gpt-4o-mini")

agent = AssistantAgent(
    name="weather_agent",
    model_client=model_client,
    tools=[get_weather],
    system_message="You are a helpful assistant.",
    reflect_on_tool_use=True,
    model_client_stream=True,
)

team = RoundRobinGroupChat([agent], termination_condition=MaxMessageTermination(2))
"""

SCRIPT = harness.Script(
    tool="get_weather",
    tool_arguments={"city": "Paris"},
    tool_result_mark="sunny-17C",
    final_text="It is sunny and 17C in Paris.",
)


@pytest.mark.parametrize("target", ["agent", "team"])
def test_an_assistant_agent_and_a_team_answer_plain_and_streamed_with_tool_calls(tmp_path: Path, target: str) -> None:
    result = harness.run_agent("autogen", tmp_path, AGENT, target, SCRIPT, harness.conversation("Weather in Paris?"))

    harness.assert_conversation_answered(
        result, "It is sunny and 17C in Paris.", ("get_weather", {"city": "Paris"}), "sunny-17C in Paris"
    )
    last_request = json.dumps(result.requests[-1]["messages"])
    assert last_request.count("Weather in Paris?") == 0, "a turn must not see another turn's conversation"
