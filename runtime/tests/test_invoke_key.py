"""Only the platform reaches an agent: /invoke and /invoke/stream want the deployment's invoke key."""

from __future__ import annotations

import pytest

from runagents_runtime.propagation import INVOKE_KEY_HEADER

KEY = "ra-invoke-the-deployments-own-key"


@pytest.mark.parametrize("path", ["/invoke", "/invoke/stream"])
@pytest.mark.parametrize("presented", [None, "ra-invoke-a-guess", KEY + "x", ""])
async def test_an_invoke_without_the_deployments_key_is_401_problem_json(start_runtime, gateway, path, presented):
    headers = {} if presented is None else {INVOKE_KEY_HEADER: presented}
    async with start_runtime({"RUNAGENTS_INVOKE_KEY": KEY}) as client:
        response = await client.post(path, json={"message": "hi"}, headers=headers)

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert INVOKE_KEY_HEADER in response.json()["detail"]
    assert KEY not in response.text
    assert gateway.requests == []  # refused before the agent did anything


@pytest.mark.parametrize("path", ["/invoke", "/invoke/stream"])
async def test_an_invoke_with_the_deployments_key_is_served(start_runtime, path):
    async with start_runtime({"RUNAGENTS_INVOKE_KEY": KEY}) as client:
        response = await client.post(path, json={"message": "hi"}, headers={INVOKE_KEY_HEADER: KEY})

    assert response.status_code == 200
    assert "default answer" in response.text


async def test_health_readiness_stay_open_and_name_the_deployment(start_runtime):
    async with start_runtime({"RUNAGENTS_INVOKE_KEY": KEY, "RUNAGENTS_DEPLOYMENT_ID": "dep-1"}) as client:
        health = await client.get("/healthz")
        ready = await client.get("/readyz")

    assert health.status_code == 200 and health.json()["deployment"] == "dep-1"
    assert ready.status_code == 200
