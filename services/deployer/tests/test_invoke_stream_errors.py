"""A streamed invoke that goes wrong still tells the caller why, as the agent's problem, and still ends with
[DONE] (clients read until it)."""

import json
from typing import Any

from .conftest import USER_CODE_UNAVAILABLE, Deployer


async def stream(deployer: Deployer, agent: str, message: str) -> tuple[str, list[Any]]:
    events: list[Any] = []
    async with deployer.client.stream("POST", f"/api/v1/agents/{agent}/invoke/stream",
                                      json={"message": message}) as answer:
        assert answer.status_code == 200
        run_id = answer.headers["x-runagents-run-id"]
        async for line in answer.aiter_lines():
            if line.startswith("data: "):
                events.append(line[6:] if line[6:] == "[DONE]" else json.loads(line[6:]))
    return run_id, events


async def test_a_stream_the_runtime_refused_carries_its_problem_and_ends_with_done(deployer: Deployer) -> None:
    agent = await deployer.running_agent({"mode": "open"})
    run_id, events = await stream(deployer, agent, "refuse")
    assert events[-1] == "[DONE]" and len(events) == 2
    error = events[0]
    assert (error["type"], error["status"], error["title"]) == ("error", 503, "Agent code unavailable")
    assert error["detail"] == USER_CODE_UNAVAILABLE and error["run_id"] == run_id


async def test_an_in_band_error_is_relayed_with_the_run_and_the_stream_ends_once_with_done(
        deployer: Deployer) -> None:
    agent = await deployer.running_agent({"mode": "open"})
    run_id, events = await stream(deployer, agent, "break")
    assert [e if isinstance(e, str) else e["type"] for e in events] == ["content", "error", "[DONE]"]
    assert events[1]["detail"] == "ValueError: no answer" and events[1]["run_id"] == run_id


async def test_a_stream_that_succeeds_ends_with_done_and_done_once(deployer: Deployer) -> None:
    agent = await deployer.running_agent({"mode": "open"})
    run_id, events = await stream(deployer, agent, "hello")
    assert [e if isinstance(e, str) else e["type"] for e in events] == ["content", "done", "[DONE]"]
    assert events[1]["run_id"] == run_id


async def test_an_agent_that_does_not_answer_is_an_error_event_then_done(deployer: Deployer) -> None:
    agent = await deployer.running_agent({"mode": "open"})
    async with deployer.component.database.session() as session:
        from runagents_deployer.agents.models import Agent
        row = await session.get(Agent, agent)
        assert row is not None
        row.endpoint = "http://127.0.0.1:9"  # nothing listens there
    _, events = await stream(deployer, agent, "hello")
    assert events[-1] == "[DONE]" and events[0]["type"] == "error" and events[0]["status"] == 502
    assert "did not answer" in events[0]["detail"]
