"""The policy service on real storage and bus: tool registry, starter kit, grants from events, egress."""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select

from runagents_common.events import new_envelope
from runagents_common.events.catalog import AgentDeleted, AgentDeployRequested, Service
from runagents_common.testing import ADMIN_HEADERS, eventually, serve_app
from runagents_policy.db import OutboxMessage


async def test_the_starter_echo_tool_is_registered_once_with_a_capability(policy) -> None:  # type: ignore[no-untyped-def]
    base_url, _bus, _component = policy
    async with httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=base_url) as client:
        tools = (await client.get("/api/v1/tools")).json()["items"]
    assert [t["name"] for t in tools] == ["echo"]
    assert tools[0]["capabilities"][0]["function"] == "echo__echo"


async def test_tools_can_be_registered_replaced_and_deleted(policy) -> None:  # type: ignore[no-untyped-def]
    base_url, _bus, _component = policy
    body = {"name": "github", "base_url": "https://api.github.com/",
            "capabilities": [{"method": "get", "path": "/repos/{owner}/{repo}", "description": "Read a repo"}]}
    async with httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=base_url) as client:
        created = await client.post("/api/v1/tools", json=body)
        assert created.status_code == 201, created.text
        assert created.json()["base_url"] == "https://api.github.com"
        assert created.json()["capabilities"][0]["method"] == "GET"
        duplicate = await client.post("/api/v1/tools", json=body)
        assert duplicate.status_code == 409
        assert duplicate.headers["content-type"] == "application/problem+json"
        replaced = await client.put("/api/v1/tools/github", json={"base_url": "https://gh.example", "capabilities": []})
        assert replaced.json()["base_url"] == "https://gh.example"
        assert (await client.delete("/api/v1/tools/github")).status_code == 204
        missing = await client.get("/api/v1/tools/github")
        assert missing.status_code == 404 and "github" in missing.json()["detail"]
        invalid = await client.post("/api/v1/tools", json={"name": "x", "base_url": "not a url"})
        assert invalid.status_code == 422 and "base_url" in invalid.json()["detail"]


async def test_tool_registration_refuses_unknown_fields_and_says_tools_have_no_credentials(policy) -> None:  # type: ignore[no-untyped-def]
    base_url, _bus, _component = policy
    secret = "ghp_never-stored-never-echoed-41c"
    tool = {"name": "github", "base_url": "https://api.github.com",
            "capabilities": [{"method": "GET", "path": "/repos/{owner}/{repo}"}]}
    credential_like = [
        ({**tool, "credentials": {"token": secret}}, "'credentials'"),
        ({**tool, "api_key": secret}, "'api_key'"),
        ({**tool, "headers": {"Authorization": f"Bearer {secret}"}}, "'headers'"),
        ({**tool, "auth": {"type": "bearer", "token": secret}}, "'auth'"),
        ({**tool, "capabilities": [{**tool["capabilities"][0], "token": secret}]}, "'token'"),
        ({**tool, "base_url": f"https://bot:{secret}@api.github.com"}, "base_url holds credentials"),
    ]
    async with httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=base_url) as client:
        for body, field in credential_like:
            for answer in (await client.post("/api/v1/tools", json=body),
                           await client.put("/api/v1/tools/echo", json={k: v for k, v in body.items() if k != "name"})):
                assert answer.status_code == 422, (field, answer.text)
                assert answer.headers["content-type"] == "application/problem+json"
                assert field in answer.json()["detail"], answer.json()["detail"]
                assert "tools have no credentials yet" in answer.json()["detail"]
                assert secret not in answer.text
        unknown = await client.post("/api/v1/tools", json={**tool, "descripton": "typo"})
        assert unknown.status_code == 422
        assert "body.descripton: Extra inputs are not permitted" in unknown.json()["detail"]
        assert (await client.get("/api/v1/tools/github")).status_code == 404
        echo = (await client.get("/api/v1/tools/echo")).json()
        assert "ghp_" not in str(echo)
        # What a GET answers can be sent back as it is (the derived function names are ignored).
        round_trip = await client.put("/api/v1/tools/echo", json={k: echo[k] for k in ("base_url", "description",
                                                                                        "capabilities")})
        assert round_trip.status_code == 200
        assert round_trip.json() == {**echo, "updated_at": round_trip.json()["updated_at"]}


async def test_egress_allows_a_wired_agent_and_records_the_call(policy) -> None:  # type: ignore[no-untyped-def]
    base_url, bus, component = policy
    headers = {"X-RunAgents-Run-Id": "run-1", "traceparent": f"00-{'ab' * 16}-{'cd' * 8}-01"}
    async with httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=base_url) as client:
        denied = await client.post("/egress/hello/echo/echo", json={"message": "hi"}, headers=headers)
        assert denied.status_code == 403 and denied.json()["code"] == "TOOL_ACCESS_DENIED"

        await bus.publish(new_envelope(AgentDeployRequested.event_type, Service.DEPLOYER.source, AgentDeployRequested(
            agent="hello", deployment_id="d1", analysis_id="a1", tools=["echo"])))

        async def allowed() -> bool:
            answer = await client.post("/egress/hello/echo/echo", json={"message": "hi"}, headers=headers)
            return answer.status_code == 200 and answer.json()["echo"] == "hi"

        await eventually(allowed)
        outside = await client.post("/egress/hello/echo/other", json={}, headers=headers)
        assert outside.status_code == 403 and "matches no capability" in outside.json()["detail"]

        await bus.publish(new_envelope(AgentDeleted.event_type, Service.DEPLOYER.source, AgentDeleted(agent="hello")))

        async def denied_again() -> bool:
            answer = await client.post("/egress/hello/echo/echo", json={"message": "hi"}, headers=headers)
            return answer.status_code == 403

        await eventually(denied_again)

    async def recorded() -> bool:
        async with component.database.session() as session:
            rows = (await session.scalars(select(OutboxMessage).where(
                OutboxMessage.event_type == "tool.call.completed.v1"))).all()
        decisions = {('"decision":"allow"' in r.envelope, '"run_id":"run-1"' in r.envelope, "ab" * 16 in r.envelope)
                     for r in rows}
        return (True, True, True) in decisions and (False, True, True) in decisions

    await eventually(recorded)


async def test_egress_records_a_tool_call_with_its_number_in_the_run_and_the_time_it_was_answered(
    policy  # type: ignore[no-untyped-def]
) -> None:
    base_url, bus, component = policy
    run_id = f"run-{uuid.uuid4().hex[:8]}"
    headers = {"X-RunAgents-Run-Id": run_id, "X-RunAgents-Run-Seq": "2"}
    await bus.publish(new_envelope(AgentDeployRequested.event_type, Service.DEPLOYER.source, AgentDeployRequested(
        agent="numbered", deployment_id="d1", analysis_id="a1", tools=["echo"])))
    async with httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=base_url) as client:
        async def allowed() -> datetime | None:
            answer = await client.post("/egress/numbered/echo/echo", json={"message": "hi"}, headers=headers)
            return datetime.now(UTC) if answer.status_code == 200 else None

        await eventually(allowed)
        answered = await allowed()
        assert answered is not None

    async def recorded() -> list[dict[str, Any]]:
        async with component.database.session() as session:
            rows = (await session.scalars(select(OutboxMessage).where(
                OutboxMessage.event_type == "tool.call.completed.v1"))).all()
        events = [json.loads(row.envelope)["data"] for row in rows]
        return [e for e in events if e["run_id"] == run_id and e["decision"] == "allow"]

    await eventually(recorded)
    last = max(await recorded(), key=lambda event: event["at"])
    assert last["seq"] == 2
    # Stamped when the tool answered, before the response left: not when the event was written after it.
    assert datetime.fromisoformat(last["at"]) <= answered


async def test_egress_keeps_the_platform_headers_inside_the_platform(policy) -> None:  # type: ignore[no-untyped-def]
    from fastapi import FastAPI, Request

    base_url, bus, _component = policy
    mirror = FastAPI()

    @mirror.get("/headers")
    async def headers_seen(request: Request) -> dict[str, str]:
        return dict(request.headers)

    async with serve_app(mirror) as mirror_url, httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=base_url) as client:
        created = await client.post("/api/v1/tools", json={"name": "mirror", "base_url": mirror_url})
        assert created.status_code == 201, created.text
        await bus.publish(new_envelope(AgentDeployRequested.event_type, Service.DEPLOYER.source, AgentDeployRequested(
            agent="spy", deployment_id="d2", analysis_id="a2", tools=["mirror"])))
        sent = {"X-RunAgents-Run-Id": "run-9", "X-RunAgents-Agent": "spy", "X-Probe": "kept",
                "traceparent": f"00-{'ef' * 16}-{'01' * 8}-01"}

        async def relayed() -> bool:
            return (await client.get("/egress/spy/mirror/headers", headers=sent)).status_code == 200

        await eventually(relayed)
        seen = (await client.get("/egress/spy/mirror/headers", headers=sent)).json()
    assert seen["x-probe"] == "kept" and seen["traceparent"].startswith(f"00-{'ef' * 16}")
    assert not any(name.startswith("x-runagents-") for name in seen)


async def test_a_deploy_request_forged_by_another_service_grants_no_tool(policy) -> None:  # type: ignore[no-untyped-def]
    base_url, bus, _component = policy
    forged = AgentDeployRequested(agent="ghost", deployment_id="d-forged", tools=["echo"])
    await bus.publish(new_envelope(forged.event_type, Service.GATEWAY.source, forged))  # the deployer owns it
    genuine = AgentDeployRequested(agent="real", deployment_id="d-real", tools=["echo"])
    await bus.publish(new_envelope(genuine.event_type, Service.DEPLOYER.source, genuine))
    async with httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=base_url) as client:

        async def real_allowed() -> bool:
            answer = await client.post("/egress/real/echo/echo", json={"message": "hi"})
            return answer.status_code == 200

        # One queue, in order: once the genuine request was handled, the forged one was refused.
        await eventually(real_allowed)
        ghost = await client.post("/egress/ghost/echo/echo", json={"message": "hi"})
    assert ghost.status_code == 403 and ghost.json()["code"] == "TOOL_ACCESS_DENIED"
