"""The audit trail across the platform's processes: a change made through the gateway and one made through the
policy service reach the policy service's trail (in distributed mode over RabbitMQ, each service publishing its
own audit type as its own broker user)."""

import uuid

import httpx

from runagents.processes import PlatformProcesses
from runagents_common.testing import eventually


async def test_changes_in_two_services_reach_the_trail_with_who_made_them(platform: PlatformProcesses) -> None:
    name = f"audited-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=platform.base_url, headers=platform.admin_headers, timeout=30) as admin:
        made = (await admin.post("/api/v1/api-keys", json={"name": "e2e operator", "role": "operator"})).json()
        operator = {"authorization": f"Bearer {made['key']}"}
        provider = await admin.post("/api/v1/model-providers", headers=operator, json={
            "name": name, "kind": "openai-compatible", "base_url": "https://llm.example.com/v1",
            "api_key": "sk-e2e-never-in-the-audit", "models": [{"name": "small"}]})
        assert provider.status_code == 201, provider.text
        assert provider.json()["created_by"] == f"e2e operator (key:{made['prefix']})"
        tool = await admin.post("/api/v1/tools", headers=operator, json={
            "name": name, "base_url": "https://api.example.com", "capabilities": []})
        assert tool.status_code == 201, tool.text

        async def both_recorded() -> bool:
            entries = (await admin.get("/api/v1/audit", params={"resource": name})).json()["items"]
            return {(e["service"], e["action"]) for e in entries} == {
                ("gateway", "model_provider.registered"), ("policy", "tool.registered")}

        await eventually(both_recorded, within=30, interval=0.2, message="both changes in the audit trail")
        entries = (await admin.get("/api/v1/audit", params={"principal": f"key:{made['prefix']}"})).json()["items"]
        assert {e["resource"] for e in entries} == {name} and {e["role"] for e in entries} == {"operator"}
        assert "sk-e2e-never-in-the-audit" not in str(entries)
        # The platform is shared by the session's e2e tests: a second model provider would change what the
        # analyses of later tests suggest.
        assert (await admin.delete(f"/api/v1/model-providers/{name}")).status_code == 204
        assert (await admin.delete(f"/api/v1/tools/{name}")).status_code == 204
