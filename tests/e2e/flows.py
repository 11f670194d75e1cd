"""Client-side steps of the deploy flow, as the web console or a script would drive them."""

import time
from pathlib import Path
from typing import Any

import httpx

from runagents.client_cli import suggested_wiring as cli_suggested_wiring


def wait_for(client: httpx.Client, path: str, done: Any, timeout: float = 60, interval: float = 0.1) -> dict[str, Any]:
    """GET ``path`` until ``done(body)`` holds; returns the last body."""
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = client.get(path)
        body = response.json()
        if done(body):
            return body
        time.sleep(interval)
    raise AssertionError(f"GET {path} did not reach the expected state in {timeout} s; last: {body}")


def analyze_sample(client: httpx.Client) -> dict[str, Any]:
    created = client.post("/api/v1/analyses", json={"sample": "hello-world"})
    assert created.status_code == 202, created.text
    return wait_for(client, f"/api/v1/analyses/{created.json()['id']}",
                    lambda a: a["status"] in ("succeeded", "failed"))


def suggested_wiring(report: dict[str, Any]) -> tuple[dict[str, str | None], dict[str, dict[str, str]]]:
    """The wiring ``runagents deploy`` takes from ``report``, without the model roles nothing matches."""
    tools, models = cli_suggested_wiring(report)
    return tools, {role: model for role, model in models.items() if model}


def deploy(client: httpx.Client, name: str, analysis: dict[str, Any], **overrides: Any) -> httpx.Response:
    tools, models = suggested_wiring(analysis["report"])
    body = {"name": name, "analysis_id": analysis["id"], "tools": tools, "models": models,
            "system_prompt": "You are a helpful agent.", "access": {"mode": "open"}, **overrides}
    return client.post("/api/v1/agents", json=body)


def wait_settled(client: httpx.Client, name: str, timeout: float = 120) -> dict[str, Any]:
    return wait_for(client, f"/api/v1/agents/{name}", lambda a: a.get("status") in ("Running", "Failed"),
                    timeout=timeout)


def runtime_pid(agent: str) -> int:
    """The pid of the agent's runtime process: the Python one whose environment names the agent."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                environ = (entry / "environ").read_bytes().split(b"\0")
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"AGENT_NAME={agent}".encode() in environ and b"runagents_runtime" in command \
                    and b"python" in command[0]:
                return int(entry.name)
        time.sleep(0.1)
    raise AssertionError(f"no runtime of agent {agent} runs")
