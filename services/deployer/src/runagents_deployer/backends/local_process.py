"""Runs each agent's runtime as a local process from its virtualenv artifact."""

import asyncio
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from runagents_deployer.backends.base import AgentBackend, ExitCallback, LaunchError, LaunchSpec, RunningAgent

log = logging.getLogger("runagents.deployer.local")

# Variables of the platform's own environment an agent inherits; nothing else (above all no keys).
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR")
STOP_GRACE_SECONDS = 5


@dataclass
class _Process:
    deployment_id: str
    process: asyncio.subprocess.Process
    log_path: Path
    watcher: asyncio.Task[None] | None = None
    stopping: bool = False


class LocalProcessBackend(AgentBackend):
    def __init__(self, agents_dir: Path, on_exit: ExitCallback, host: str = "127.0.0.1") -> None:
        self.agents_dir = agents_dir
        self.on_exit = on_exit
        self.host = host
        self._processes: dict[str, _Process] = {}

    async def start(self, spec: LaunchSpec) -> RunningAgent:
        if spec.artifact_kind != "local-venv":
            raise LaunchError(f"the local backend cannot run a {spec.artifact_kind} artifact")
        python = Path(spec.artifact_ref) / "bin" / "python"
        if not python.exists():
            raise LaunchError(f"the agent's virtualenv is missing ({python})")
        await self.stop(spec.agent)
        workdir = self.agents_dir / spec.agent / spec.deployment_id
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.parent.mkdir(parents=True, exist_ok=True)
        if spec.source_dir:
            # A copy per deployment: user code may write next to itself without touching the build cache.
            shutil.copytree(spec.source_dir, workdir)
        else:
            workdir.mkdir()
        port = _free_port(self.host)
        env = {key: os.environ[key] for key in INHERITED if key in os.environ}
        env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
        env.update(spec.environment)
        env.update({"PORT": str(port), "HOST": self.host, "PYTHONUNBUFFERED": "1", "VIRTUAL_ENV": spec.artifact_ref})
        log_path = workdir.parent / f"{spec.deployment_id}.log"
        with open(log_path, "ab") as log_file:  # noqa: ASYNC230 - opening a local log file does not block
            process = await asyncio.create_subprocess_exec(
                str(python), "-m", "runagents_runtime", cwd=workdir, env=env,
                stdin=asyncio.subprocess.DEVNULL, stdout=log_file, stderr=asyncio.subprocess.STDOUT,
                # Its own session: a signal to the platform's process group (Ctrl-C, a supervisor)
                # reaches the platform, which stops its agents in order, instead of killing them under it.
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        entry = _Process(spec.deployment_id, process, log_path)
        entry.watcher = asyncio.create_task(self._watch(spec.agent, entry), name=f"agent-watch-{spec.agent}")
        self._processes[spec.agent] = entry
        log.info("started agent %s (pid %d) on port %d", spec.agent, process.pid, port, extra={"agent": spec.agent})
        return RunningAgent(spec.agent, spec.deployment_id, f"http://{self.host}:{port}")

    async def _watch(self, agent: str, entry: _Process) -> None:
        code = await entry.process.wait()
        if entry.stopping:
            return
        if self._processes.get(agent) is entry:
            del self._processes[agent]
        reason = _exit_reason(code)
        tail = await self.logs_tail_of(entry.log_path, 5)
        await self.on_exit(agent, entry.deployment_id, f"{reason}{': ' + tail if tail else ''}")

    async def stop(self, agent: str) -> None:
        entry = self._processes.pop(agent, None)
        if entry is None:
            return
        entry.stopping = True
        if entry.process.returncode is None:
            entry.process.terminate()
            try:
                async with asyncio.timeout(STOP_GRACE_SECONDS):
                    await entry.process.wait()
            except TimeoutError:
                entry.process.kill()
                await entry.process.wait()
        if entry.watcher:
            entry.watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await entry.watcher

    def is_running(self, agent: str, deployment_id: str) -> bool:
        entry = self._processes.get(agent)
        return entry is not None and entry.deployment_id == deployment_id and entry.process.returncode is None

    async def logs_tail(self, agent: str, lines: int = 20) -> str:
        entry = self._processes.get(agent)
        return await self.logs_tail_of(entry.log_path, lines) if entry else ""

    @staticmethod
    async def logs_tail_of(path: Path, lines: int) -> str:
        try:
            text = await asyncio.to_thread(path.read_text, errors="replace")
        except OSError:
            return ""
        return " | ".join(line for line in text.strip().splitlines()[-lines:] if line.strip())[-1000:]

    async def close(self) -> None:
        for agent in list(self._processes):
            await self.stop(agent)


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _exit_reason(code: int) -> str:
    if code < 0:
        try:
            return f"the agent process was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"the agent process was killed by signal {-code}"
    return f"the agent process exited with code {code}"


def _die_with_parent() -> None:
    """Linux: the agent gets SIGTERM when the platform process dies, so no agent outlives it."""
    PR_SET_PDEATHSIG = 1
    parent = os.getppid()
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the platform died before the signal was armed
        os._exit(1)
