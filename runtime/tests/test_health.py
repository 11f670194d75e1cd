"""GET /, /healthz, /readyz and request validation."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/", "/healthz"])
async def test_health_reports_agent_model_tool_count_and_no_user_code(start_runtime, path):
    async with start_runtime() as client:
        response = await client.get(path)

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "agent": "test-agent",
        "deployment": None,
        "model": "gpt-4o-mini",
        "tools": 1,
        "user_code": {"entry_point": None, "loaded": False, "error": None, "adapter": None, "target": None},
    }


async def test_readyz_is_200_when_the_gateway_health_answers(start_runtime, gateway):
    async with start_runtime() as client:
        response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["gateway"] == f"{gateway.url}/llm/healthz"


async def test_readyz_is_503_problem_when_the_gateway_is_down(start_runtime, down_url):
    async with start_runtime({"LLM_GATEWAY_URL": f"{down_url}/llm/v1/chat/completions"}) as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert f"{down_url}/llm/healthz" in response.json()["detail"]


async def test_readyz_uses_the_health_url_override(start_runtime, down_url):
    env = {"LLM_GATEWAY_HEALTH_URL": f"{down_url}/custom-health"}
    async with start_runtime(env) as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    assert f"{down_url}/custom-health" in response.json()["detail"]


async def test_invalid_invoke_body_is_a_422_problem_listing_the_field(start_runtime):
    async with start_runtime() as client:
        response = await client.post("/invoke", json={"history": "nope"})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert problem["type"] == "about:blank"
    assert {tuple(error["loc"]) for error in problem["errors"]} >= {("body", "message"), ("body", "history")}


async def test_unknown_path_is_a_404_problem(start_runtime):
    async with start_runtime() as client:
        response = await client.get("/nope")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Not Found"
