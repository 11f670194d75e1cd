"""`runagents deploy`: a person's way through upload → Running, with progress bars."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from runagents.client_cli import framework_chat_model, progress_bar
from runagents.processes import PlatformProcesses
from runagents_common.testing import ADMIN_HEADERS


def test_progress_bar_fills_with_the_percentage() -> None:
    assert progress_bar(0, "queued") == "[" + "." * 30 + "]   0% queued"
    assert progress_bar(50, "building") == "[" + "#" * 15 + "." * 15 + "]  50% building"
    assert progress_bar(140, "x").startswith("[" + "#" * 30 + "] 100%")


def test_deploy_command_takes_a_folder_to_running_showing_each_phase(dev_platform: PlatformProcesses,
                                                                      tmp_path: Path) -> None:
    folder = tmp_path / "agent"
    folder.mkdir()
    (folder / "agent.py").write_text(
        'import os\nimport requests\n\nECHO = os.environ.get("TOOL_URL_ECHO", "http://localhost:8000/starter/echo")\n'
        'def handler(request):\n'
        '    return requests.post(f"{ECHO}/echo", json={"message": request["message"]}, timeout=5).json()\n'
    )
    name = f"cli-{uuid.uuid4().hex[:6]}"
    done = subprocess.run([sys.executable, "-m", "runagents", "deploy", str(folder), "--name", name,
                           "--url", dev_platform.base_url], capture_output=True, text=True, timeout=300,
                          env=os.environ | {"RUNAGENTS_API_KEY": dev_platform.admin_key})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Analyzing" in done.stdout and "enrichment" in done.stdout
    assert "building: installing" in done.stdout and f"{name} is Running" in done.stdout
    agent = httpx.get(f"{dev_platform.base_url}/api/v1/agents/{name}", headers=ADMIN_HEADERS).json()
    assert agent["status"] == "Running"
    httpx.delete(f"{dev_platform.base_url}/api/v1/agents/{name}", headers=ADMIN_HEADERS)


def test_deploy_command_names_findings_nothing_registered_matches(dev_platform: PlatformProcesses,
                                                                  tmp_path: Path) -> None:
    source = tmp_path / "agent.py"
    source.write_text('import requests\n\ndef main():\n    requests.get("https://api.github.com/user", timeout=5)\n')
    done = subprocess.run([sys.executable, "-m", "runagents", "deploy", str(source), "--name", "nope",
                           "--url", dev_platform.base_url], capture_output=True, text=True, timeout=120,
                          env=os.environ | {"RUNAGENTS_API_KEY": dev_platform.admin_key})
    assert done.returncode == 1
    assert "no registered resource matches: tool github" in done.stderr


def test_deploy_command_wires_a_chat_model_for_a_framework_entry_the_analysis_saw_no_model_call_in(
        dev_platform: PlatformProcesses) -> None:
    graph = {"tier": {"value": "custom"}, "entry_point": {"file": "graph.py", "adapter": "langgraph"}}
    handler = {"tier": {"value": "custom"}, "entry_point": {"file": "agent.py", "adapter": "handler"}}
    with httpx.Client(headers=ADMIN_HEADERS, base_url=dev_platform.base_url) as client:
        providers = client.get("/api/v1/model-providers").json()["items"]
        first_chat = next({"provider": p["name"], "model": m["name"]} for p in providers for m in p["models"]
                          if (m.get("role") or "chat") == "chat")

        assert framework_chat_model(client, graph, {}) == first_chat
        assert framework_chat_model(client, graph, {"chat": {"provider": "mine", "model": "m"}}) is None
        assert framework_chat_model(client, handler, {}) is None
