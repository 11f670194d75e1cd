"""An agent's life after its first deploy, through the public API of a real dev platform: Running only once its
code loaded, redeploys that keep it serving, its deployments' history, and its log."""

import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import httpx

from runagents.processes import PlatformProcesses
from runagents_common.testing import ADMIN_HEADERS
from tests.e2e.flows import suggested_wiring, wait_for, wait_settled
from tests.e2e.test_deploy_paths import REQUIREMENTS, SDK_AGENT, upload


def versioned_agent(version: str) -> str:
    return f'''
import os

print("agent {version} loading", flush=True)


def handler(request, context=None):
    key = os.environ.get("OPENAI_API_KEY") or os.environ.get("RUNAGENTS_AGENT_TOKEN") or ""
    print(f"handled {{request['message']}} with OPENAI_API_KEY={{key}} and raw key {{key}}", flush=True)
    return {{"response": "{version}: " + request["message"]}}
'''


BROKEN_AGENT = '''
print("broken agent: importing its helpers", flush=True)
from json import helpers_that_do_not_exist


def handler(request, context=None):
    return {"response": "never"}
'''


def deploy_source(client: httpx.Client, name: str, source: str) -> dict[str, Any]:
    analysis = upload(client, {"agent.py": source})
    assert analysis["status"] == "succeeded", analysis
    created = client.post("/api/v1/agents", json={"name": name, "analysis_id": analysis["id"], "tier": "custom"})
    assert created.status_code == 202, created.text
    body: dict[str, Any] = created.json()
    return body


def invoke(client: httpx.Client, name: str, message: str) -> str:
    answer = client.post(f"/api/v1/agents/{name}/invoke", json={"message": message})
    assert answer.status_code == 200, answer.text
    response: str = answer.json()["response"]
    return response


def deployments(client: httpx.Client, name: str) -> list[dict[str, Any]]:
    listing = client.get(f"/api/v1/agents/{name}/deployments")
    assert listing.status_code == 200, listing.text
    items: list[dict[str, Any]] = listing.json()["items"]
    return items


def test_code_that_fails_to_load_is_failed_with_the_loaders_error_and_its_log_then_can_be_redeployed(
        dev_platform: PlatformProcesses) -> None:
    with httpx.Client(headers=ADMIN_HEADERS, base_url=dev_platform.base_url, timeout=60) as client:
        name = f"broken-{uuid.uuid4().hex[:6]}"
        deploy_source(client, name, BROKEN_AGENT)
        agent = wait_settled(client, name)
        assert agent["status"] == "Failed", agent
        assert "failed to load" in agent["message"] and "helpers_that_do_not_exist" in agent["message"]
        assert "broken agent: importing its helpers" in agent["message"]  # the log's last lines
        assert client.post(f"/api/v1/agents/{name}/invoke", json={"message": "hi"}).status_code == 409

        again = deploy_source(client, name, versioned_agent("v1"))
        assert again["next_deployment_id"] is None and again["deployment_id"] != agent["deployment_id"]
        assert wait_settled(client, name)["status"] == "Running", dev_platform.logs()
        assert invoke(client, name, "hi") == "v1: hi"
        history = deployments(client, name)
        assert [d["status"] for d in history] == ["running", "failed"]
        assert "helpers_that_do_not_exist" in history[1]["error"]
        client.delete(f"/api/v1/agents/{name}")


def test_a_redeploy_serves_once_it_runs_and_a_failed_one_leaves_the_agent_serving(
        dev_platform: PlatformProcesses) -> None:
    with httpx.Client(headers=ADMIN_HEADERS, base_url=dev_platform.base_url, timeout=60) as client:
        name = f"redeploy-{uuid.uuid4().hex[:6]}"
        first = deploy_source(client, name, versioned_agent("v1"))
        assert wait_settled(client, name)["status"] == "Running", dev_platform.logs()

        second = deploy_source(client, name, versioned_agent("v2"))
        new_id = second["next_deployment_id"]
        assert new_id and second["deployment_id"] == first["deployment_id"] and second["status"] == "Running"
        assert invoke(client, name, "during") in ("v1: during", "v2: during")  # never refused while it switches
        agent = wait_for(client, f"/api/v1/agents/{name}", lambda a: a["next_deployment_id"] is None)
        assert (agent["status"], agent["deployment_id"]) == ("Running", new_id), agent
        assert invoke(client, name, "after") == "v2: after"
        assert [(d["id"], d["status"]) for d in deployments(client, name)] == [
            (new_id, "running"), (first["deployment_id"], "stopped")]

        third = deploy_source(client, name, BROKEN_AGENT)
        agent = wait_for(client, f"/api/v1/agents/{name}", lambda a: a["next_deployment_id"] is None, timeout=120)
        assert (agent["status"], agent["deployment_id"]) == ("Running", new_id), agent
        assert f"redeploy failed (deployment {third['next_deployment_id']})" in agent["message"]
        assert "helpers_that_do_not_exist" in agent["message"] and f"deployment {new_id} keeps serving" in agent[
            "message"]
        assert invoke(client, name, "still") == "v2: still"
        history = deployments(client, name)
        assert [d["status"] for d in history] == ["failed", "running", "stopped"]
        assert "helpers_that_do_not_exist" in history[0]["error"]
        assert history[0]["analysis_id"] == third["analysis_id"]
        client.delete(f"/api/v1/agents/{name}")


def test_the_log_shows_what_the_agent_printed_with_its_keys_masked_and_follows_new_lines(
        dev_platform: PlatformProcesses) -> None:
    with httpx.Client(headers=ADMIN_HEADERS, base_url=dev_platform.base_url, timeout=60) as client:
        name = f"logs-{uuid.uuid4().hex[:6]}"
        deploy_source(client, name, versioned_agent("v1"))
        assert wait_settled(client, name)["status"] == "Running", dev_platform.logs()
        assert invoke(client, name, "first") == "v1: first"

        tail = wait_for(client, f"/api/v1/agents/{name}/logs",
                        lambda body: any("handled first" in line for line in body.get("lines", [])))
        text = "\n".join(tail["lines"])
        assert "agent v1 loading" in text
        assert "OPENAI_API_KEY=***" in text and "raw key ***" in text and "ra-agent-" not in text
        assert len(client.get(f"/api/v1/agents/{name}/logs", params={"lines": 1}).json()["lines"]) == 1

        followed: list[str] = []
        connected, seen = threading.Event(), threading.Event()

        def read() -> None:
            with httpx.Client(headers=ADMIN_HEADERS, base_url=dev_platform.base_url,
                              timeout=httpx.Timeout(30, read=60)) as reader, \
                    reader.stream("GET", f"/api/v1/agents/{name}/logs", params={"lines": 0, "follow": "true"}) as s:
                assert s.headers["content-type"].startswith("text/event-stream")
                connected.set()  # the headers come once the follow's starting point is fixed
                for line in s.iter_lines():
                    if line.startswith("data: "):
                        followed.append(json.loads(line[6:])["line"])
                        if "handled second" in followed[-1]:
                            seen.set()
                            return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        assert connected.wait(30)
        invoke(client, name, "second")
        assert seen.wait(30), followed
        assert not any("handled first" in line for line in followed)  # lines=0: only what came after
        assert all("ra-agent-" not in line for line in followed)
        client.delete(f"/api/v1/agents/{name}")


def test_the_deploy_command_redeploys_an_existing_name_and_logs_prints_its_log(
        dev_platform: PlatformProcesses, tmp_path: Path) -> None:
    name = f"cli-re-{uuid.uuid4().hex[:6]}"
    for version in ("v1", "v2"):
        folder = tmp_path / version
        folder.mkdir()
        (folder / "agent.py").write_text(versioned_agent(version))
        done = subprocess.run([sys.executable, "-m", "runagents", "deploy", str(folder), "--name", name,
                               "--url", dev_platform.base_url], capture_output=True, text=True, timeout=300,
                              env=os.environ | {"RUNAGENTS_API_KEY": dev_platform.admin_key})
        assert done.returncode == 0, done.stdout + done.stderr
    assert "Redeploying" in done.stdout
    with httpx.Client(headers=ADMIN_HEADERS, base_url=dev_platform.base_url, timeout=60) as client:
        assert invoke(client, name, "cli") == "v2: cli"
        logs = subprocess.run([sys.executable, "-m", "runagents", "logs", name, "--url", dev_platform.base_url],
                              capture_output=True, text=True, timeout=60,
                              env=os.environ | {"RUNAGENTS_API_KEY": dev_platform.admin_key})
        assert logs.returncode == 0, logs.stderr
        assert "agent v2 loading" in logs.stdout and "handled cli" in logs.stdout
        assert "ra-agent-" not in logs.stdout
        client.delete(f"/api/v1/agents/{name}")


def test_the_serving_deployment_keeps_its_model_access_through_a_redeploy_and_a_failed_one(
        dev_platform: PlatformProcesses) -> None:
    # The gateway revokes a deployment's key when it hears another deployment of the agent runs: neither the
    # start of a redeploy nor its failure may cut off the deployment that serves.
    with httpx.Client(headers=ADMIN_HEADERS, base_url=dev_platform.base_url, timeout=60) as client:
        name = f"keys-{uuid.uuid4().hex[:6]}"

        def deploy_sdk_agent(source: str) -> dict[str, Any]:
            analysis = upload(client, {"agent.py": source, "requirements.txt": REQUIREMENTS})
            _, models = suggested_wiring(analysis["report"])
            tools = {t["name"]: "echo" for t in analysis["report"]["tools"]} or {"echo": "echo"}
            created = client.post("/api/v1/agents", json={"name": name, "analysis_id": analysis["id"],
                                                           "tools": tools, "models": models})
            assert created.status_code == 202, created.text
            body: dict[str, Any] = created.json()
            return body

        deploy_sdk_agent(SDK_AGENT)
        assert wait_settled(client, name, timeout=180)["status"] == "Running", dev_platform.logs()
        assert invoke(client, name, "one").endswith("| echo: one")

        second = deploy_sdk_agent(SDK_AGENT + "\n# the second version\n")
        assert second["next_deployment_id"]
        assert invoke(client, name, "two").endswith("| echo: two")  # the serving one, still reaching models
        agent = wait_for(client, f"/api/v1/agents/{name}", lambda a: a["next_deployment_id"] is None, timeout=180)
        assert agent["deployment_id"] == second["next_deployment_id"], agent
        assert invoke(client, name, "three").endswith("| echo: three")  # the new one has its key

        deploy_sdk_agent(BROKEN_AGENT)
        agent = wait_for(client, f"/api/v1/agents/{name}", lambda a: a["next_deployment_id"] is None, timeout=180)
        assert "redeploy failed" in agent["message"], agent
        assert invoke(client, name, "four").endswith("| echo: four")
        client.delete(f"/api/v1/agents/{name}")
