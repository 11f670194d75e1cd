"""Distributed mode: each service learns who calls from the policy service, with a key of its own; none trusts a
call because it comes from inside the network."""

import httpx

from runagents.processes import PlatformProcesses
from runagents_common.testing import eventually


def _service_url(platform: PlatformProcesses, service: str) -> str:
    """Where ``service`` listens, past the ingress (as a process inside the network would call it)."""
    log = (platform.log_dir / f"{service}.log").read_text()
    port = log.split(f"RunAgents {service} listening on 127.0.0.1:")[1].split()[0]
    return f"http://127.0.0.1:{port}"


async def test_each_service_knows_the_keys_the_policy_service_made_and_forgets_them_once_revoked(
        distributed_platform: PlatformProcesses) -> None:
    platform = distributed_platform
    async with httpx.AsyncClient(base_url=platform.base_url, headers=platform.admin_headers, timeout=30) as admin:
        made = (await admin.post("/api/v1/api-keys", json={"name": "distributed viewer", "role": "viewer"})).json()
        viewer = {"authorization": f"Bearer {made['key']}"}
        # The deployer, the gateway and the runs service ask the policy service who this is.
        for path in ("/api/v1/agents", "/api/v1/model-providers", "/api/v1/runs", "/api/v1/tools"):
            assert (await admin.get(path, headers=viewer)).status_code == 200, path
        refused = await admin.post("/api/v1/model-providers", headers=viewer, json={})
        assert refused.status_code == 403 and refused.json()["required_role"] == "operator"

        assert (await admin.delete(f"/api/v1/api-keys/{made['prefix']}")).status_code == 200

        async def forgotten_everywhere() -> bool:
            codes = [(await admin.get(path, headers=viewer)).status_code
                     for path in ("/api/v1/agents", "/api/v1/model-providers", "/api/v1/runs", "/api/v1/tools")]
            return codes == [401, 401, 401, 401]

        await eventually(forgotten_everywhere, within=30, interval=0.5)


async def test_a_call_from_inside_the_network_without_a_credential_is_refused_by_every_service(
        distributed_platform: PlatformProcesses) -> None:
    for service, path in (("analyzer", "/api/v1/analyses/" + "0" * 32), ("builder", "/api/v1/builds"),
                          ("deployer", "/api/v1/agents"), ("gateway", "/api/v1/model-providers"),
                          ("policy", "/api/v1/tools"), ("runs", "/api/v1/runs")):
        async with httpx.AsyncClient(base_url=_service_url(distributed_platform, service), timeout=30) as inside:
            answer = await inside.get(path)
            assert answer.status_code == 401, (service, answer.text)
            forged = await inside.get(path, headers={"authorization": "Bearer ras_deployer_notthederivedone"})
            assert forged.status_code == 401, (service, forged.text)
