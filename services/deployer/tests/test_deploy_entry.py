"""Deploy reads the analysis report's entry point as the contract the analyzer and runtime share: an entry that
cannot take the user's message is refused; the others reach the runtime as USER_ENTRY_*. Deploying a name
again makes a new deployment of it, listed in its history."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from runagents_contracts.entry import EntryAdapter

from runagents_common.errors import InvalidRequest
from runagents_common.events import new_envelope
from runagents_common.events.catalog import AgentBuildFailed
from runagents_common.testing import eventually
from runagents_deployer.agents.entry import refuse_unless_it_takes_the_message, report_entry
from runagents_deployer.wiring.environment import runtime_environment

from .conftest import Deployer
from .fixed_registry import serving_fixed_registry

CHAT = {"provider": "playground", "model": "playground-mini"}
PROVIDERS = [{"name": "playground", "kind": "playground", "models": [{"name": "playground-mini"}]}]
"""A framework's entry answers with a chat model: a deploy wires one."""
REFUSAL = '''def handler(request, context=None):
    return {"response": main(request["message"])}'''
MAIN_WITHOUT_PARAMETERS = {"file": "app.py", "reason": "main() is called under __main__", "adapter": "main",
                           "target": "main", "module": "app", "takes_message": False, "refusal": REFUSAL}
REPORTS: dict[str, dict[str, Any]] = {
    "refused": {"tier": {"value": "custom", "reason": "code"}, "entry_point": MAIN_WITHOUT_PARAMETERS},
    "graph": {"tier": {"value": "custom", "reason": "code"}, "entry_point": {
        "file": "src/pkg/graph.py", "reason": "a compiled graph", "adapter": "langgraph", "target": "graph",
        "module": "pkg.graph", "takes_message": True}},
    "old": {"tier": {"value": "custom", "reason": "code"}, "entry_point": {"file": "agent.py", "reason": "handler"}},
}


def test_an_old_report_reads_as_an_entry_the_runtime_decides_and_a_new_one_names_its_adapter() -> None:
    old = report_entry({"entry_point": {"file": "agent.py", "reason": "handler()", "confidence": "high"}})
    assert old is not None and (old.file, old.adapter, old.target, old.takes_message) == ("agent.py", None, None, True)
    graph = report_entry(REPORTS["graph"])
    assert graph is not None and (graph.adapter, graph.target, graph.module) == (EntryAdapter.LANGGRAPH, "graph",
                                                                                  "pkg.graph")
    assert report_entry({"entry_point": None}) is None and report_entry({}) is None


def test_an_entry_that_cannot_take_the_message_is_refused_showing_the_handler_that_would() -> None:
    entry = report_entry(REPORTS["refused"])
    assert entry is not None
    with pytest.raises(InvalidRequest) as refused:
        refuse_unless_it_takes_the_message(entry)
    assert refused.value.status == 422
    assert "app.py (main) cannot take the user's message" in refused.value.detail
    assert REFUSAL in refused.value.detail and refused.value.extra["refusal"] == REFUSAL


def test_the_runtime_is_told_the_adapter_target_and_module_beside_the_file() -> None:
    env = runtime_environment(agent="a", system_prompt="", tier="custom", entry_point="src/pkg/graph.py", tools={},
                              registered_tools={}, models={}, providers={}, gateway_url="http://g",
                              egress_url="http://p/egress", max_tool_iterations=5, agent_key="k",
                              entry_adapter="langgraph", entry_target="graph", entry_module="pkg.graph")
    assert (env["USER_ENTRY_POINT"], env["USER_ENTRY_ADAPTER"], env["USER_ENTRY_TARGET"],
            env["USER_ENTRY_MODULE"]) == ("src/pkg/graph.py", "langgraph", "graph", "pkg.graph")
    old = runtime_environment(agent="a", system_prompt="", tier="custom", entry_point="agent.py", tools={},
                              registered_tools={}, models={}, providers={}, gateway_url="http://g",
                              egress_url="http://p/egress", max_tool_iterations=5)
    assert old["USER_ENTRY_POINT"] == "agent.py" and not {"USER_ENTRY_ADAPTER", "USER_ENTRY_TARGET"} & set(old)


@pytest.fixture
async def services(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    async with serving_fixed_registry(monkeypatch, REPORTS, PROVIDERS) as url:
        yield url


async def test_deploy_answers_422_with_the_refusal_and_creates_nothing(services: str, deployer: Deployer) -> None:
    refused = await deployer.client.post("/api/v1/agents", json={"name": "mainonly", "analysis_id": "refused"})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert "cannot take the user's message" in problem["detail"] and problem["refusal"] == REFUSAL
    assert problem["entry_point"]["target"] == "main"
    assert (await deployer.client.get("/api/v1/agents/mainonly")).status_code == 404


async def test_deploying_a_name_again_makes_a_new_deployment_with_its_own_entry(services: str,
                                                                                 deployer: Deployer) -> None:
    first = await deployer.client.post("/api/v1/agents", json={"name": "twice", "analysis_id": "old"})
    assert first.status_code == 202, first.text
    second = await deployer.client.post("/api/v1/agents", json={"name": "twice", "analysis_id": "graph",
                                                                 "models": {"chat": CHAT}})
    assert second.status_code == 202, second.text
    # Nothing served yet: the new deployment replaces the one under way at once.
    assert second.json()["deployment_id"] != first.json()["deployment_id"]
    assert second.json()["next_deployment_id"] is None and second.json()["entry_point"] == "src/pkg/graph.py"
    history = (await deployer.client.get("/api/v1/agents/twice/deployments")).json()["items"]
    assert [(d["id"], d["status"], d["analysis_id"], d["entry_adapter"]) for d in history] == [
        (second.json()["deployment_id"], "building", "graph", "langgraph"),
        (first.json()["deployment_id"], "superseded", "old", None),
    ]
    missing = await deployer.client.get("/api/v1/agents/nobody/deployments")
    assert missing.status_code == 404


async def test_a_redeploy_of_a_serving_agent_leaves_it_serving_and_a_failed_build_says_so(
        services: str, deployer: Deployer) -> None:
    name = await deployer.running_agent({"mode": "open"})
    serving = (await deployer.client.get(f"/api/v1/agents/{name}")).json()["deployment_id"]
    accepted = await deployer.client.post("/api/v1/agents", json={"name": name, "analysis_id": "old"})
    assert accepted.status_code == 202, accepted.text
    new_id = accepted.json()["next_deployment_id"]
    assert new_id and (accepted.json()["status"], accepted.json()["deployment_id"]) == ("Running", serving)
    assert accepted.json()["message"] == f"redeploying: deployment {new_id} replaces deployment {serving} once it runs"
    answer = await deployer.client.post(f"/api/v1/agents/{name}/invoke", json={"message": "still"})
    assert answer.status_code == 200 and answer.json()["response"] == "hello still"

    await deployer.bus.publish(new_envelope(AgentBuildFailed.event_type, "/runagents/builder", AgentBuildFailed(
        agent=name, deployment_id=new_id, reason="pip could not install nothing-such"), subject=name))

    async def settled() -> bool:
        agent = (await deployer.client.get(f"/api/v1/agents/{name}")).json()
        return agent["next_deployment_id"] is None
    await eventually(settled, message="the failed redeploy is over")
    agent = (await deployer.client.get(f"/api/v1/agents/{name}")).json()
    assert (agent["status"], agent["deployment_id"]) == ("Running", serving)
    assert agent["message"] == (f"redeploy failed (deployment {new_id}): the build failed: pip could not install "
                                f"nothing-such; deployment {serving} keeps serving")
    [failed] = (await deployer.client.get(f"/api/v1/agents/{name}/deployments")).json()["items"]
    assert (failed["id"], failed["status"], failed["error"]) == (new_id, "failed", "pip could not install nothing-such")
    answer = await deployer.client.post(f"/api/v1/agents/{name}/invoke", json={"message": "after"})
    assert answer.status_code == 200 and answer.json()["response"] == "hello after"
