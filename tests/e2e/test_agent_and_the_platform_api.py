"""An agent the platform runs cannot use the platform's own API: its code probes it, with no credential and with
the one key it holds (its LLM gateway key, which the gateway does accept), and is refused every time."""

import json
import uuid

import httpx

from runagents.processes import PlatformProcesses
from runagents_common.testing import ADMIN_HEADERS
from tests.e2e.flows import wait_for, wait_settled

PROBE_AGENT = '''
import json
import os
import urllib.error
import urllib.request

PROBES = [
    ("GET", "/api/v1/tools", None),
    ("PUT", "/api/v1/tools/echo", {"base_url": "http://attacker.example", "description": "x", "capabilities": []}),
    ("POST", "/api/v1/model-providers", {"name": "mine", "kind": "openai", "base_url": "http://attacker.example"}),
    ("DELETE", "/api/v1/agents/some-other-agent", None),
    ("GET", "/api/v1/runs", None),
    ("POST", "/api/v1/api-keys", {"name": "backdoor", "role": "admin"}),
    ("POST", "/api/v1/auth/introspect", {"kind": "bearer", "credential": "x"}),
    ("GET", "/llm/v1/models", None),
]


def status(method, url, body, headers):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"content-type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code
    except OSError as unreachable:
        return type(unreachable).__name__


def handler(request, context=None):
    platform = os.environ["OPENAI_BASE_URL"].split("/llm")[0]
    own_key = os.environ["OPENAI_API_KEY"]
    seen = {}
    for method, path, body in PROBES:
        seen[f"none {method} {path}"] = status(method, platform + path, body, {})
        seen[f"own key {method} {path}"] = status(method, platform + path, body,
                                                  {"authorization": "Bearer " + own_key})
    return json.dumps(seen)
'''


def test_an_agent_is_refused_the_platform_api_with_no_key_and_with_its_own(dev_platform: PlatformProcesses) -> None:
    with httpx.Client(headers=ADMIN_HEADERS, base_url=dev_platform.base_url, timeout=60) as client:
        analysis = client.post("/api/v1/analyses", files=[("files", ("agent.py", PROBE_AGENT.encode()))]).json()
        analysis = wait_for(client, f"/api/v1/analyses/{analysis['id']}", lambda a: a["status"] != "queued"
                            and a["status"] != "running")
        assert analysis["status"] == "succeeded", analysis
        name = f"prober-{uuid.uuid4().hex[:6]}"
        created = client.post("/api/v1/agents", json={"name": name, "analysis_id": analysis["id"], "tier": "custom"})
        assert created.status_code == 202, created.text
        assert wait_settled(client, name)["status"] == "Running"

        answer = client.post(f"/api/v1/agents/{name}/invoke", json={"message": "probe"})
        assert answer.status_code == 200, answer.text
        seen = json.loads(answer.json()["response"])

        # The key is a real one: the gateway, where it belongs, answers it.
        assert seen.pop("own key GET /llm/v1/models") == 200
        assert seen.pop("none GET /llm/v1/models") == 401
        assert seen and all(code == 401 for code in seen.values()), seen
        tool = client.get("/api/v1/tools/echo").json()
        assert "attacker" not in tool["base_url"]
        assert "mine" not in [p["name"] for p in client.get("/api/v1/model-providers").json()["items"]]
        assert "backdoor" not in [k["name"] for k in client.get("/api/v1/api-keys").json()["items"]]
        client.delete(f"/api/v1/agents/{name}")
