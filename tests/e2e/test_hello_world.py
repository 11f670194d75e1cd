"""The Hello World path end to end, through the public API, in dev and distributed mode."""

import uuid

import httpx

from runagents.processes import PlatformProcesses
from runagents_common.testing import ADMIN_HEADERS
from tests.e2e.flows import analyze_sample, deploy, wait_for, wait_settled


def test_hello_world_is_analyzed_deployed_invoked_and_recorded(platform: PlatformProcesses) -> None:
    with httpx.Client(headers=ADMIN_HEADERS, base_url=platform.base_url, timeout=60) as client:
        analysis = analyze_sample(client)
        assert analysis["status"] == "succeeded", analysis
        report = analysis["report"]
        assert [t["name"] for t in report["tools"]] == ["echo"]
        assert report["tools"][0]["suggested"] == "echo"
        assert report["llm_usage"][0]["suggested"] == {"provider": "playground", "model": "playground-mini"}
        assert report["entry_point"]["file"] == "agent.py"
        assert report["tier"]["value"] == "platform"
        assert {p["name"] for p in report["packages"]} >= {"requests", "openai"}

        name = f"hello-{uuid.uuid4().hex[:6]}"
        created = deploy(client, name, analysis)
        assert created.status_code == 202, created.text
        assert created.json()["status"] == "Pending"
        agent = wait_settled(client, name)
        assert agent["status"] == "Running", (agent, platform.logs())

        answer = client.post(f"/api/v1/agents/{name}/invoke", json={"message": "Say hello through the echo tool."})
        assert answer.status_code == 200, answer.text
        result = answer.json()
        assert "Say hello through the echo tool." in result["response"]
        assert result["tool_calls_made"][0]["function"] == "echo__echo"
        assert result["usage"]["total_tokens"] > 0
        assert result["model"] == "playground-mini"

        # The timeline joins events from three services' outboxes: it is complete once all arrived, which
        # the run says (the runtime counted the calls it numbered).
        assert client.get(f"/api/v1/runs/{result['run_id']}").status_code == 200, "readable as the invoke answers"
        run = wait_for(client, f"/api/v1/runs/{result['run_id']}",
                       lambda r: r.get("status") == "succeeded" and r.get("complete") is True)
        types = [e["type"] for e in run["events"]]
        assert len(types) == 5, run
        assert types[0] == "run.started" and types[-1] == "run.completed"
        assert [e["seq"] for e in run["events"][1:-1]] == [1, 2, 3], "in the order the agent made its calls"
        assert types.count("llm.call") == 2  # one asking for the tool, one answering with its result
        tool_call = next(e for e in run["events"] if e["type"] == "tool.call")
        assert tool_call["data"]["tool"] == "echo" and tool_call["data"]["decision"] == "allow"
        assert run["agent"] == name and run["user"] == "anonymous"
        assert run["usage"]["total_tokens"] == result["usage"]["total_tokens"]

        llm = next(e for e in run["events"] if e["type"] == "llm.call")["data"]
        assert (llm["provider"], llm["model"]) == ("playground", "playground-mini")  # as the agent's key is wired
        # The gateway answers agents' keys only: a caller from outside with none gets a 401.
        outsider = httpx.post(f"{platform.base_url}/llm/v1/chat/completions",
                               json={"model": "playground-mini", "messages": [{"role": "user", "content": "hi"}]})
        assert outsider.status_code == 401 and outsider.json()["error"]["code"] == "missing_api_key"

        listed = client.get("/api/v1/runs", params={"agent": name}).json()
        assert [r["id"] for r in listed["items"]] == [result["run_id"]]

        assert client.delete(f"/api/v1/agents/{name}").status_code == 204
        assert client.get(f"/api/v1/agents/{name}").status_code == 404
