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


async def test_server_process_injects_sdk_env_before_importing_the_agent_and_serves_it(tmp_path: Path):
    (tmp_path / "env_agent.py").write_text(
        textwrap.dedent(
            """
            import os

            BASE_AT_IMPORT = os.environ.get("OPENAI_BASE_URL")

            def handler(request):
                return f"{BASE_AT_IMPORT}|{os.environ['ANTHROPIC_BASE_URL']}|{os.environ['OPENAI_API_KEY']}"
            """
        )
    )
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OPENAI_", "ANTHROPIC_", "RUNAGENTS_", "TOOL_", "LLM_"))
    }
    env |= {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "AGENT_NAME": "proc-agent",
        "LLM_GATEWAY_URL": "http://127.0.0.1:9/llm/v1/chat/completions",
        "USER_ENTRY_POINT": "env_agent",
        "OPENAI_API_KEY": "sk-user-set",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "runagents_runtime",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            health = None
            for _ in range(100):
                try:
                    health = await client.get("/healthz")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            assert health is not None, "the runtime never answered /healthz"
            response = await client.post("/invoke", json={"message": "hi"})
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)

    assert health.json()["agent"] == "proc-agent"
    assert health.json()["user_code"]["loaded"] is True
    assert response.json()["response"] == "http://127.0.0.1:9/llm/v1|http://127.0.0.1:9/llm|sk-user-set"
