"""Two deployments of one agent run side by side while a redeploy switches (the local backend keys its processes
by agent and deployment), each with its own log; stopping one leaves the other serving."""

import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from runagents_common.testing import eventually
from runagents_deployer.backends.base import LaunchSpec, RunningAgent
from runagents_deployer.backends.local_process import LocalProcessBackend

VENV = Path(sys.prefix)


@pytest.fixture
async def backend(tmp_path: Path) -> AsyncIterator[LocalProcessBackend]:
    async def on_exit(agent: str, deployment_id: str, reason: str) -> None:
        raise AssertionError(f"{agent} {deployment_id} exited: {reason}")

    local = LocalProcessBackend(tmp_path / "agents", on_exit, isolation="off")
    yield local
    await local.close()


async def start(backend: LocalProcessBackend, tmp_path: Path, deployment: str) -> RunningAgent:
    source = tmp_path / "sources" / deployment
    source.mkdir(parents=True)
    (source / "agent.py").write_text(textwrap.dedent(f'''
        print("deployment {deployment} loading", flush=True)

        def handler(request):
            return {{"response": "{deployment}"}}
    '''))
    running = await backend.start(LaunchSpec("twin", deployment, "local-venv", str(VENV), str(source),
                                             {"AGENT_NAME": "twin", "USER_ENTRY_POINT": "agent.py"}))

    async def answers() -> bool:
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                health = (await client.get(f"{running.endpoint}/healthz")).json()
        except httpx.HTTPError:
            return False
        return bool(health["deployment"] == deployment and health["user_code"]["loaded"])

    await eventually(answers, within=30, interval=0.1, message=f"deployment {deployment} answers")
    return running


async def test_a_new_deployment_starts_beside_the_one_serving_and_stopping_one_leaves_the_other(
        backend: LocalProcessBackend, tmp_path: Path) -> None:
    old = await start(backend, tmp_path, "dep-old")
    new = await start(backend, tmp_path, "dep-new")
    assert old.endpoint != new.endpoint
    assert backend.is_running("twin", "dep-old") and backend.is_running("twin", "dep-new")

    await backend.stop("twin", "dep-old")
    assert not backend.is_running("twin", "dep-old") and backend.is_running("twin", "dep-new")
    async with httpx.AsyncClient(timeout=5) as client:
        assert (await client.get(f"{new.endpoint}/healthz")).json()["deployment"] == "dep-new"

    old_log, new_log = backend.log_file("twin", "dep-old"), backend.log_file("twin", "dep-new")
    assert old_log is not None and new_log is not None and old_log != new_log
    assert "deployment dep-old loading" in old_log.read_text()  # kept after its process stopped
    assert "dep-old" not in new_log.read_text()
    assert "deployment dep-new loading" in await backend.logs_tail("twin", 50, "dep-new")
    assert backend.log_file("twin", "dep-never") is None

    await backend.stop("twin")
    assert not backend.is_running("twin", "dep-new")
