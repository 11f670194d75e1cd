"""Agents started by the local backend, as real processes from a real virtualenv (this workspace's, which
installs the runtime the way the builder does), probing what they can reach of the platform and of each
other, and uploads that try to replace the runtime."""

import json
import os
import sys
import textwrap
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

import runagents_runtime
from runagents_common.run_wire import INVOKE_KEY_HEADER
from runagents_common.testing import eventually
from runagents_deployer.agents.gateway_keys import INVOKE_KEY_ENV, agent_invoke_key
from runagents_deployer.agents.launcher import running_message
from runagents_deployer.backends.base import LaunchError, LaunchSpec, RunningAgent
from runagents_deployer.backends.local_process import LocalProcessBackend, _runtime_pids
from runagents_deployer.settings import DEV_SECRET_FILE, DeployerSettings

VENV = Path(sys.prefix)
PROBE_AGENT = '''
import json
import os


def attempt(action):
    try:
        return "reached: " + str(action())[:200]
    except Exception as exc:
        return "refused: " + type(exc).__name__


def write(path):
    with open(path, "w") as file:
        file.write("written by an agent")
    return path


def processes():
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as file:
                    found.append(file.read().replace(b"\\0", b" ").decode(errors="replace"))
            except OSError:
                pass
    return found


def handler(request):
    targets = json.loads(request["message"])
    return {"response": json.dumps({
        "secret": attempt(lambda: open(targets["secret"]).read()),
        "platform_environ": attempt(lambda: open(f"/proc/{targets['platform_pid']}/environ", "rb").read()),
        "sibling_environ": attempt(lambda: open(f"/proc/{targets['sibling_pid']}/environ", "rb").read()),
        "runtime_environ": attempt(lambda: open(f"/proc/{os.getppid()}/environ", "rb").read()),
        "data_dir": attempt(lambda: os.listdir(targets["data_dir"])),
        "write_data_dir": attempt(lambda: write(os.path.join(targets["data_dir"], "planted"))),
        "write_code": attempt(lambda: write("planted.py")),
        "write_tmp": attempt(lambda: write("/tmp/scratch")),
        "processes": processes(),
        "uid": os.getuid(),
    })}
'''
SIBLING_SECRET = "sibling-token-6f1d2c"


@dataclass
class Platform:
    backend: LocalProcessBackend
    data_dir: Path
    secret: str
    exits: list[tuple[str, str, str]]

    async def start(self, agent: str, files: dict[str, str], environment: dict[str, str]) -> RunningAgent:
        source = self.data_dir / "sources" / agent
        for name, text in files.items():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_text(textwrap.dedent(text))
        deployment = f"dep-{agent}"
        environment = {"AGENT_NAME": agent, INVOKE_KEY_ENV: self.invoke_key(agent), **environment}
        running = await self.backend.start(
            LaunchSpec(agent, deployment, "local-venv", str(VENV), str(source), environment))
        await self.healthy(running)
        return running

    def invoke_key(self, agent: str) -> str:
        return agent_invoke_key(DeployerSettings(mode="dev", data_dir=self.data_dir).agent_key_secret(), agent,
                                f"dep-{agent}")

    async def healthy(self, running: RunningAgent) -> dict[str, Any]:
        health: dict[str, Any] = {}

        async def answers() -> bool:
            assert self.backend.is_running(running.agent, running.deployment_id), \
                f"{running.agent} exited: {self.exits} {await self.backend.logs_tail(running.agent)}"
            try:
                async with httpx.AsyncClient(timeout=2) as client:
                    health.update((await client.get(f"{running.endpoint}/healthz")).json())
            except httpx.HTTPError:
                return False
            return True

        await eventually(answers, within=30, interval=0.1, message=f"{running.agent} answers /healthz")
        return health

    async def invoke(self, running: RunningAgent, message: str) -> httpx.Response:
        async with httpx.AsyncClient(timeout=30) as client:
            return await client.post(f"{running.endpoint}/invoke", json={"message": message},
                                     headers={INVOKE_KEY_HEADER: self.invoke_key(running.agent)})


@pytest.fixture
async def platform(tmp_path: Path) -> AsyncIterator[Platform]:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    settings = DeployerSettings(mode="dev", data_dir=data_dir)
    settings.agent_key_secret()  # the dev secret file, as the deployer keeps it
    exits: list[tuple[str, str, str]] = []

    async def on_exit(agent: str, deployment_id: str, reason: str) -> None:
        exits.append((agent, deployment_id, reason))

    backend = LocalProcessBackend(data_dir / "agents", on_exit,
                                  guarded=(data_dir,))
    yield Platform(backend, data_dir, str(data_dir / DEV_SECRET_FILE), exits)
    await backend.close()


async def test_an_agent_reaches_neither_the_platform_nor_another_agent(platform: Platform) -> None:
    await platform.start("sibling", {"agent.py": "def handler(request):\n    return 'hi'\n"},
                                   {"USER_ENTRY_POINT": "agent.py", "SIBLING_TOKEN": SIBLING_SECRET})
    prober = await platform.start("prober", {"agent.py": PROBE_AGENT}, {"USER_ENTRY_POINT": "agent.py"})
    assert prober.without_isolation == "", prober.without_isolation
    sibling_pid = _runtime_pids(platform.backend._processes[("sibling", "dep-sibling")].pid)[0]
    environ = Path(f"/proc/{sibling_pid}/environ").read_text()  # noqa: ASYNC240
    assert SIBLING_SECRET in environ  # what the prober is after
    answer = await platform.invoke(prober, json.dumps({
        "secret": platform.secret, "platform_pid": os.getpid(), "sibling_pid": sibling_pid,
        "data_dir": str(platform.data_dir)}))
    assert answer.status_code == 200, answer.text
    seen = json.loads(answer.json()["response"])

    # runtime_environ: the runtime's server, whose initial environment holds the invoke key.
    for probe in ("secret", "platform_environ", "sibling_environ", "runtime_environ", "data_dir", "write_data_dir",
                  "write_code"):
        assert seen[probe].startswith("refused: "), (probe, seen[probe])
    assert not (platform.data_dir / "planted").exists()
    assert seen["write_tmp"] == "reached: /tmp/scratch"  # its own private /tmp
    assert SIBLING_SECRET not in answer.text
    # Its own sandbox alone: bwrap's reaper, the runtime's server and the agent's process, nothing of the
    # platform or the sibling.
    assert len(seen["processes"]) <= 3, seen["processes"]
    assert all("pytest" not in cmdline and "sibling" not in cmdline for cmdline in seen["processes"])
    assert seen["uid"] != 0


async def test_an_uploaded_runagents_runtime_package_replaces_the_runtime_for_no_tier(platform: Platform) -> None:
    planted = {"runagents_runtime/__init__.py": "raise SystemExit('the upload replaced the runtime')\n",
               "runagents_runtime/__main__.py": "raise SystemExit('the upload replaced the runtime')\n",
               "fastapi.py": "raise SystemExit('the upload replaced fastapi')\n"}
    built_in = await platform.start("tier-one", planted, {
        "LLM_GATEWAY_URL": "http://127.0.0.1:9/llm/v1/chat/completions", "LLM_MODEL": "m"})
    assert (await platform.healthy(built_in))["agent"] == "tier-one"

    custom = await platform.start("tier-two", {**planted, "agent.py": '''
        import runagents_runtime

        def handler(request):
            return runagents_runtime.__file__
    '''}, {"USER_ENTRY_POINT": "agent.py"})
    answer = await platform.invoke(custom, "which runtime?")
    assert answer.status_code == 200, answer.text
    assert answer.json()["response"] == runagents_runtime.__file__
    assert platform.exits == []


async def test_without_bubblewrap_an_agent_runs_and_says_so_unless_isolation_is_required(
        platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))
    running = await platform.start("exposed", {"agent.py": "def handler(request):\n    return 'hi'\n"},
                                   {"USER_ENTRY_POINT": "agent.py"})
    assert running.without_isolation == "bubblewrap (bwrap) not found"
    assert running_message(running) == "running without isolation: bubblewrap (bwrap) not found"
    assert (await platform.invoke(running, "hi")).json()["response"] == "hi"

    strict = LocalProcessBackend(platform.data_dir / "strict", platform.backend.on_exit, isolation="required")
    with pytest.raises(LaunchError, match=r"isolation is required .* but bubblewrap \(bwrap\) not found"):
        await strict.start(LaunchSpec("strict", "dep-strict", "local-venv", str(VENV), None, {}))
    assert not (platform.data_dir / "strict" / "strict").exists()
