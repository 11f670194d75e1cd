"""`python -m runagents_runtime`: start-up errors and a real server process."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from runagents_runtime.__main__ import main


def test_malformed_json_env_stops_start_up_with_a_message_naming_the_variable(monkeypatch):
    monkeypatch.setenv("TOOL_DEFINITIONS_JSON", "[{oops")

    with pytest.raises(SystemExit) as stopped:
        main()

    assert "TOOL_DEFINITIONS_JSON is not valid JSON" in str(stopped.value.code)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _runtime_env(port: int, entry_point: str, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OPENAI_", "ANTHROPIC_", "RUNAGENTS_", "TOOL_", "LLM_", "USER_ENTRY_"))
    }
    return env | {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "AGENT_NAME": "proc-agent",
        "LLM_GATEWAY_URL": "http://127.0.0.1:9/llm/v1/chat/completions",
        "USER_ENTRY_POINT": entry_point,
        "AGENT_PYTHON": sys.executable,
        **extra,
    }


async def _health_once_settled(client: httpx.AsyncClient) -> dict:
    """/healthz once the agent's code is loaded or failed to (polled: the process starts it in the background)."""
    for _ in range(300):
        try:
            health = (await client.get("/healthz")).json()
        except httpx.TransportError:
            health = None
        if health is not None and (health["user_code"]["loaded"] or health["user_code"]["error"]):
            return health
        await asyncio.sleep(0.1)
    raise AssertionError("the runtime never said whether the agent's code loaded")


async def test_server_process_gives_the_agents_process_the_sdk_env_and_serves_it(tmp_path: Path):
    (tmp_path / "env_agent.py").write_text(
        textwrap.dedent(
            """
            import os

            BASE_AT_IMPORT = os.environ.get("OPENAI_BASE_URL")
            print("the agent's own print at import", flush=True)

            def handler(request):
                return "|".join([BASE_AT_IMPORT, os.environ['ANTHROPIC_BASE_URL'], os.environ['OPENAI_API_KEY'],
                                 str(os.environ.get("RUNAGENTS_INVOKE_KEY"))])
            """
        )
    )
    port = _free_port()
    env = _runtime_env(port, "env_agent.py", OPENAI_API_KEY="sk-user-set", RUNAGENTS_INVOKE_KEY="invoke-key-123456")
    log = tmp_path / "agent.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-I", "-u", "-m", "runagents_runtime", cwd=tmp_path, env=env, stdout=output,
            stderr=asyncio.subprocess.STDOUT,
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            health = await _health_once_settled(client)
            response = await client.post("/invoke", json={"message": "hi"},
                                         headers={"X-RunAgents-Invoke-Key": "invoke-key-123456"})
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)

    assert health["agent"] == "proc-agent"
    assert health["user_code"] == {"entry_point": "env_agent.py", "loaded": True, "error": None,
                                   "adapter": "handler", "target": "handler"}
    assert response.status_code == 200, response.text
    assert response.json()["response"] == "http://127.0.0.1:9/llm/v1|http://127.0.0.1:9/llm|sk-user-set|None"
    assert "the agent's own print at import" in log.read_text()
    assert "stopping, the agent's process" not in log.read_text()  # ended by the server's own shutdown


async def test_the_server_stops_with_an_error_when_the_agents_process_dies(tmp_path: Path):
    (tmp_path / "dying_agent.py").write_text("import os\n\ndef handler(request):\n    os._exit(7)\n")
    port = _free_port()
    log = tmp_path / "agent.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-I", "-u", "-m", "runagents_runtime", cwd=tmp_path,
            env=_runtime_env(port, "dying_agent.py"), stdout=output, stderr=asyncio.subprocess.STDOUT,
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            assert (await _health_once_settled(client))["user_code"]["loaded"] is True
            response = await client.post("/invoke", json={"message": "hi"})
        code = await asyncio.wait_for(process.wait(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert response.status_code == 503
    assert response.json()["title"] == "Agent process ended"
    assert "exited with code 7" in response.json()["detail"]
    assert code == 1
    assert "stopping, the agent's process exited with code 7" in log.read_text()
