"""Deploys that go wrong, and a custom-code (Tier 2) agent, through the public API in dev mode."""

import json
import os
import signal
import uuid
from pathlib import Path
from typing import Any

import httpx

from runagents.processes import PlatformProcesses, start_dev
from runagents_common.testing import ADMIN_HEADERS
from tests.e2e.flows import analyze_sample, deploy, runtime_pid, suggested_wiring, wait_for, wait_settled

CUSTOM_AGENT = '''
import json
import urllib.request


def handler(request, context):
    body = json.dumps({"message": request["message"]}).encode()
    call = urllib.request.Request(context.tools["echo"] + "/echo", data=body,
                                  headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(call, timeout=10) as answer:
        echoed = json.loads(answer.read())["echo"]
    return {"response": f"custom code echoed: {echoed}"}
'''


def upload(client: httpx.Client, files: dict[str, str]) -> dict[str, Any]:
    created = client.post("/api/v1/analyses", files=[("files", (name, text.encode())) for name, text in files.items()])
    assert created.status_code == 202, created.text
    return wait_for(client, f"/api/v1/analyses/{created.json()['id']}",
                    lambda a: a["status"] in ("succeeded", "failed"))


def test_deploy_is_refused_with_422_naming_each_unwired_finding(dev_platform: PlatformProcesses) -> None:
    with httpx.Client(headers=ADMIN_HEADERS, base_url=dev_platform.base_url, timeout=30) as client:
        analysis = analyze_sample(client)
        refused = deploy(client, f"x-{uuid.uuid4().hex[:6]}", analysis, tools={}, models={})
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "application/problem+json"
        problems = refused.json()["problems"]
        assert any("tool 'echo'" in p for p in problems) and any("model role 'chat'" in p for p in problems)
        bad_name = deploy(client, "Not_DNS", analysis)
        assert bad_name.status_code == 422 and "name" in bad_name.json()["detail"]
        missing = deploy(client, "ok-name", {"id": "nope", "report": analysis["report"]})
        assert missing.status_code == 422 and "does not exist" in missing.json()["detail"]


def test_a_created_agent_is_readable_at_once_and_deploying_its_name_again_replaces_its_deployment(
        dev_platform: PlatformProcesses) -> None:
    with httpx.Client(headers=ADMIN_HEADERS, base_url=dev_platform.base_url, timeout=30) as client:
        analysis = analyze_sample(client)
        name = f"dup-{uuid.uuid4().hex[:6]}"
        first = deploy(client, name, analysis)
        assert first.status_code == 202
        assert client.get(f"/api/v1/agents/{name}").status_code == 200
        again = deploy(client, name, analysis)
        # Not serving yet: the new deployment replaces the one under way at once.
        assert again.status_code == 202 and again.json()["deployment_id"] != first.json()["deployment_id"]
        assert wait_settled(client, name)["deployment_id"] == again.json()["deployment_id"]
        statuses = {d["id"]: d["status"] for d in client.get(f"/api/v1/agents/{name}/deployments").json()["items"]}
        assert statuses == {again.json()["deployment_id"]: "running", first.json()["deployment_id"]: "superseded"}
        client.delete(f"/api/v1/agents/{name}")


def test_a_build_that_cannot_install_its_packages_ends_failed_with_the_reason(dev_platform: PlatformProcesses) -> None:
    with httpx.Client(headers=ADMIN_HEADERS, base_url=dev_platform.base_url, timeout=30) as client:
        analysis = upload(client, {"agent.py": "def main():\n    print('hi')\n",
                                   "requirements.txt": "runagents-surely-no-such-package-4242\n"})
        assert analysis["status"] == "succeeded", analysis
        name = f"broken-{uuid.uuid4().hex[:6]}"
        created = client.post("/api/v1/agents", json={"name": name, "analysis_id": analysis["id"],
                                                       "tier": "custom"})
        assert created.status_code == 202, created.text
        agent = wait_settled(client, name)
        assert agent["status"] == "Failed"
        assert "runagents-surely-no-such-package-4242" in agent["message"]
        refused = client.post(f"/api/v1/agents/{name}/invoke", json={"message": "hi"})
        assert refused.status_code == 409 and "Failed" in refused.json()["detail"]


def test_a_custom_code_agent_runs_its_handler_and_reaches_its_tool(dev_platform: PlatformProcesses) -> None:
    with httpx.Client(headers=ADMIN_HEADERS, base_url=dev_platform.base_url, timeout=60) as client:
        analysis = upload(client, {"agent.py": CUSTOM_AGENT})
        report = analysis["report"]
        assert report["tier"]["value"] == "custom", report["tier"]
        name = f"custom-{uuid.uuid4().hex[:6]}"
        tools = {t["name"]: "echo" for t in report["tools"]} or {"echo": "echo"}
        created = client.post("/api/v1/agents", json={"name": name, "analysis_id": analysis["id"], "tools": tools})
        assert created.status_code == 202, created.text
        assert wait_settled(client, name)["status"] == "Running", dev_platform.logs()
        answer = client.post(f"/api/v1/agents/{name}/invoke", json={"message": "ping"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["response"] == "custom code echoed: ping"
        client.delete(f"/api/v1/agents/{name}")


def test_an_agent_process_that_dies_turns_the_agent_failed_with_the_exit_reason(
        dev_platform: PlatformProcesses) -> None:
    with httpx.Client(headers=ADMIN_HEADERS, base_url=dev_platform.base_url, timeout=60) as client:
        analysis = analyze_sample(client)
        name = f"doomed-{uuid.uuid4().hex[:6]}"
        assert deploy(client, name, analysis).status_code == 202
        assert wait_settled(client, name)["status"] == "Running"
        pid = runtime_pid(name)
        os.kill(pid, signal.SIGKILL)
        agent = wait_for(client, f"/api/v1/agents/{name}", lambda a: a["status"] == "Failed", timeout=20)
        assert "killed by SIGKILL" in agent["message"]
        client.delete(f"/api/v1/agents/{name}")


def test_streaming_invoke_relays_the_runtime_events_and_records_the_run(dev_platform: PlatformProcesses) -> None:
    with httpx.Client(headers=ADMIN_HEADERS, base_url=dev_platform.base_url, timeout=60) as client:
        analysis = analyze_sample(client)
        name = f"stream-{uuid.uuid4().hex[:6]}"
        assert deploy(client, name, analysis).status_code == 202
        assert wait_settled(client, name)["status"] == "Running"
        events: list[Any] = []
        with client.stream("POST", f"/api/v1/agents/{name}/invoke/stream",
                           json={"message": "Say hello through the echo tool."}) as stream:
            assert stream.status_code == 200
            run_id = stream.headers["x-runagents-run-id"]
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    events.append(line[6:] if line[6:] == "[DONE]" else json.loads(line[6:]))
        types = [e if isinstance(e, str) else e["type"] for e in events]
        assert types[0] == "tool_call" and "tool_result" in types and "content" in types
        assert types[-2:] == ["done", "[DONE]"]
        run = wait_for(client, f"/api/v1/runs/{run_id}", lambda r: r.get("status") == "succeeded")
        assert run["response"] and "Say hello through the echo tool." in run["response"]
        client.delete(f"/api/v1/agents/{name}")


def test_agents_come_back_after_the_platform_restarts(tmp_path: Path) -> None:
    platform = start_dev(tmp_path)
    try:
        with httpx.Client(headers=ADMIN_HEADERS, base_url=platform.base_url, timeout=60) as client:
            analysis = analyze_sample(client)
            assert deploy(client, "survivor", analysis).status_code == 202
            assert wait_settled(client, "survivor")["status"] == "Running"
    finally:
        platform.stop()
    platform = start_dev(tmp_path)
    try:
        with httpx.Client(headers=ADMIN_HEADERS, base_url=platform.base_url, timeout=60) as client:
            # The agent's process died with the platform; the deployer starts it again.
            agent = wait_settled(client, "survivor")
            assert agent["status"] == "Running", agent
            answer = client.post("/api/v1/agents/survivor/invoke", json={"message": "Hi"})
            assert answer.status_code == 200, answer.text
    finally:
        platform.stop()


SDK_AGENT = '''
import anthropic
import requests
from openai import OpenAI

# No configuration: the runtime points both SDKs at the platform's gateway with the agent's own key.
openai_client = OpenAI()
anthropic_client = anthropic.Anthropic()


def handler(request, context):
    message = [{"role": "user", "content": request["message"]}]
    chat = openai_client.chat.completions.create(model=context.model, messages=message)
    note = anthropic_client.messages.create(model=context.model, max_tokens=64, messages=message)
    echoed = requests.post(context.tools["echo"] + "/echo", json={"message": request["message"]}, timeout=10)
    return {"response": f"{chat.choices[0].message.content} | {note.content[0].text} | echo: {echoed.json()['echo']}"}
'''
REQUIREMENTS = "openai>=1.40\nanthropic>=0.40\nrequests>=2.31\n"


def test_calls_made_by_custom_code_with_sdks_are_recorded_on_its_run(dev_platform: PlatformProcesses) -> None:
    with httpx.Client(headers=ADMIN_HEADERS, base_url=dev_platform.base_url, timeout=60) as client:
        analysis = upload(client, {"agent.py": SDK_AGENT, "requirements.txt": REQUIREMENTS})
        report = analysis["report"]
        assert report["tier"]["value"] == "custom", report["tier"]
        _, models = suggested_wiring(report)
        assert models, report["llm_usage"]
        name = f"sdk-{uuid.uuid4().hex[:6]}"
        tools = {t["name"]: "echo" for t in report["tools"]} or {"echo": "echo"}
        created = client.post("/api/v1/agents", json={"name": name, "analysis_id": analysis["id"],
                                                       "tools": tools, "models": models})
        assert created.status_code == 202, created.text
        assert wait_settled(client, name, timeout=180)["status"] == "Running", dev_platform.logs()

        answer = client.post(f"/api/v1/agents/{name}/invoke", json={"message": "ping"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["response"].endswith("| echo: ping")
        run = wait_for(client, f"/api/v1/runs/{answer.json()['run_id']}",
                       lambda r: [e["type"] for e in r["events"]].count("llm.call") == 2
                       and {"tool.call", "run.completed"} <= {e["type"] for e in r["events"]})
        llm_calls = [e["data"] for e in run["events"] if e["type"] == "llm.call"]
        tool_call = next(e["data"] for e in run["events"] if e["type"] == "tool.call")
        assert [(call["status"], call["model"]) for call in llm_calls] == [(200, models["chat"]["model"])] * 2
        assert tool_call["tool"] == "echo"
        # The answer's usage is the gateway's count of the run's model calls (the runtime cannot see it).
        assert answer.json()["usage"] == run["usage"] and run["usage"]["total_tokens"] > 0
        assert isinstance(answer.json()["usage_complete"], bool)

        done: dict[str, Any] = {}
        with client.stream("POST", f"/api/v1/agents/{name}/invoke/stream", json={"message": "pong"}) as stream:
            lines = [line for line in stream.iter_lines() if line.startswith("data: ")]
        done = next(json.loads(line[6:]) for line in lines if '"type": "done"' in line)
        assert lines[-1] == "data: [DONE]"
        streamed = wait_for(client, f"/api/v1/runs/{done['run_id']}",
                            lambda r: [e["type"] for e in r["events"]].count("llm.call") == 2)
        assert done["usage"] == streamed["usage"] and done["usage"]["total_tokens"] > 0
        client.delete(f"/api/v1/agents/{name}")
