"""The runs API: a paginated list newest first, a run's detail, problem+json errors."""

from typing import Any

import pytest

from runagents_runs.testing import RunEvents, RunsPlatform, at, unique


async def list_runs(platform: RunsPlatform, **params: Any) -> dict[str, Any]:
    response = await platform.client.get("/api/v1/runs", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_list_is_filtered_by_agent_newest_first_and_paginated(
    platform: RunsPlatform
) -> None:
    agent = unique("lister")
    first, second, third = (RunEvents(agent=agent) for _ in range(3))
    elsewhere = RunEvents()
    await platform.publish_all(
        first.started(at(0)), second.started(at(10)), third.started(at(20)), elsewhere.started(at(30)),
        second.failed(at(11), 1000, "boom"), third.completed(at(22), 2000, usage={"total_tokens": 5}),
    )
    await platform.wait_for_run(third.run_id, lambda run: run["status"] == "succeeded")
    await platform.wait_for_run(elsewhere.run_id, lambda run: True)

    page_one = await list_runs(platform, agent=agent, limit=2)
    assert [item["id"] for item in page_one["items"]] == [third.run_id, second.run_id]
    assert page_one["items"][0] == {
        "id": third.run_id, "agent": agent, "status": "succeeded", "user": "alice",
        "started_at": "2026-03-01T12:00:20Z", "ended_at": "2026-03-01T12:00:22Z", "duration_ms": 2000,
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 5}, "complete": True,
    }
    assert page_one["next_cursor"]

    page_two = await list_runs(platform, agent=agent, limit=2, cursor=page_one["next_cursor"])
    assert [item["id"] for item in page_two["items"]] == [first.run_id]
    assert page_two["next_cursor"] is None

    failed = await list_runs(platform, agent=agent, status="failed")
    assert [item["id"] for item in failed["items"]] == [second.run_id]
    everyone = await list_runs(platform, limit=200)
    assert {elsewhere.run_id, first.run_id} <= {item["id"] for item in everyone["items"]}


async def test_unknown_run_is_a_404_problem(platform: RunsPlatform) -> None:
    response = await platform.get_run("no-such-run")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 404
    assert problem["code"] == "not_found"
    assert "no-such-run" in problem["detail"]


@pytest.mark.parametrize("params", [
    {"limit": "0"}, {"limit": "201"}, {"limit": "many"}, {"status": "sleeping"}, {"cursor": "not-a-cursor"},
])
async def test_bad_list_parameters_are_a_422_problem(platform: RunsPlatform, params: dict[str, str]) -> None:
    response = await platform.client.get("/api/v1/runs", params=params)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_a_run_id_counts_as_announced_only_moments_after_it_was_minted() -> None:
    from datetime import UTC, datetime, timedelta

    from runagents_common.run_wire import minted_at, new_run_id
    from runagents_runs.runs.service import is_announced

    now = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)
    millis = int(now.timestamp() * 1000)
    fresh = new_run_id(now_ms=millis - 2_000)

    assert minted_at(fresh) == now - timedelta(seconds=2)
    assert is_announced(fresh, now)
    assert not is_announced(new_run_id(now_ms=millis - 120_000), now)
    assert not is_announced(new_run_id(now_ms=millis + 60_000), now), "from the future: not ours"
    assert not is_announced("0" * 32, now) and not is_announced("run-42", now)
