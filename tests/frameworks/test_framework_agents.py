"""Real LangChain, LangGraph, CrewAI, OpenAI Agents SDK and Lambda agents, deployed and invoked end to end.

Each agent (tests/frameworks/agents/<name>/) is written as its framework's users write it, with
no platform code: the runtime points the OpenAI SDK at the gateway, whose offline playground
model answers, and the analysis wires the echo tool's URL into TOOL_URL_ECHO. Most are written
without a handler, as each framework documents (a module-level agent, a langgraph.json project,
a `crewai create` project), and run through the adapter the analysis names. The agents
are uploaded and deployed at once (their builds overlap); each test checks one step for each.
"""

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from runagents.processes import PlatformProcesses
from runagents_common.testing import ADMIN_HEADERS
from tests.frameworks.cases import FRAMEWORK_AGENTS, OFFLINE_PROVIDER, FrameworkAgent
from tests.frameworks.deployments import FrameworkDeployment

pytestmark = pytest.mark.frameworks
AGENTS = [pytest.param(agent, id=agent.key) for agent in FRAMEWORK_AGENTS]


@pytest.fixture(scope="session")
def deployments(framework_platform: PlatformProcesses) -> Iterator[dict[str, FrameworkDeployment]]:
    with httpx.Client(headers=ADMIN_HEADERS, base_url=framework_platform.base_url, timeout=60) as client:
        started = {agent.key: FrameworkDeployment(client, agent) for agent in FRAMEWORK_AGENTS}
        for deployment in started.values():
            deployment.upload()
        for deployment in started.values():
            deployment.start_deploy()
        try:
            yield started
        finally:
            for deployment in started.values():
                deployment.delete()


@pytest.mark.parametrize("agent", AGENTS)
def test_analysis_finds_a_tier_2_agent_its_entry_point_and_its_llm_usage(
        deployments: dict[str, FrameworkDeployment], agent: FrameworkAgent) -> None:
    report = deployments[agent.key].analysis.get()["report"]
    assert report["tier"]["value"] == "custom", report["tier"]
    assert agent.tier_reason in report["tier"]["reason"], report["tier"]
    entry = report["entry_point"]
    assert (entry["file"], entry["reason"], entry["adapter"], entry["target"], entry["takes_message"]) == (
        agent.entry_file, agent.entry_reason, agent.adapter, agent.target, True), entry
    usage = [(u["provider"], u["model"], u["role"], u["suggested"]) for u in report["llm_usage"]]
    assert usage == [("openai", agent.model, "chat", {"provider": OFFLINE_PROVIDER, "model": agent.model})]
    assert [(t["name"], t["suggested"]) for t in report["tools"]] == [("echo", "echo")], report["tools"]


@pytest.mark.parametrize("agent", AGENTS)
def test_the_agent_is_built_with_its_framework_and_reaches_running(
        deployments: dict[str, FrameworkDeployment], agent: FrameworkAgent,
        framework_platform: PlatformProcesses) -> None:
    settled = deployments[agent.key].settled.get()
    assert settled["status"] == "Running", (settled, framework_platform.logs())
    assert settled["tier"] == "custom" and settled["entry_point"] == agent.entry_file, settled


@pytest.mark.parametrize("agent", AGENTS)
def test_invoke_answers_with_what_the_echo_tool_returned(
        deployments: dict[str, FrameworkDeployment], agent: FrameworkAgent) -> None:
    deployment = deployments[agent.key]
    answer = deployment.invocation.get()
    assert answer.status_code == 200, answer.text
    response = answer.json()["response"]
    assert response.strip(), answer.json()
    # Only the echo service computes "length": its JSON in the answer proves the tool was called.
    echoed = _echo_result(response)
    assert deployment.token in echoed["echo"] and echoed["length"] == len(echoed["echo"]), response


@pytest.mark.parametrize("agent", AGENTS)
def test_the_run_timeline_holds_the_llm_and_tool_calls_the_agents_code_made(
        deployments: dict[str, FrameworkDeployment], agent: FrameworkAgent) -> None:
    """The agent's own code calls the gateway and the tool; the run's trace context must go with
    those calls for the gateway and the egress layer to attach them to the run."""
    run = deployments[agent.key].run.get()
    assert run["status"] == "succeeded", run
    events = run["events"]
    types = [event["type"] for event in events]
    assert types[0] == "run.started" and types[-1] == "run.completed", types
    llm_calls = [event["data"] for event in events if event["type"] == "llm.call"]
    assert len(llm_calls) >= 2, f"expected the tool request and the answer among the run's LLM calls: {types}"
    assert {(c["provider"], c["model"], c["status"]) for c in llm_calls} == {(OFFLINE_PROVIDER, agent.model, 200)}
    assert ["echo"] in [c["tool_calls"] for c in llm_calls], llm_calls
    tool_calls = [event["data"] for event in events if event["type"] == "tool.call"]
    assert [(t["tool"], t["decision"], t["status"]) for t in tool_calls] == [("echo", "allow", 200)], types


def _echo_result(text: str) -> dict[str, Any]:
    """The echo service's JSON answer, found inside the agent's answer text."""
    start = text.find('{"echo"')
    assert start >= 0, f"the echo tool's answer is not in the response: {text!r}"
    value, _ = json.JSONDecoder().raw_decode(text, start)
    assert isinstance(value, dict), text
    return value
