"""Runs each agent's runtime as a local process, in a sandbox where one works.

The runtime's server runs with the platform's own interpreter (`python -I -u -m runagents_runtime`);
it starts the agent's code with the interpreter of the agent's virtualenv artifact (AGENT_PYTHON), so
the agent's packages are the versions it declared, whatever the platform's are (docs/runtime.md).

Agents run in their own session and are not tied to the deployer's life: a deployer that crashes
leaves them serving, and the next one adopts those that still answer as the deployment it expects
(docs/isolation.md). A deployer that shuts down in order stops its agents.
"""

import asyncio
import contextlib
import importlib.util
import json
import logging
import os
import shutil
import signal
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx

from runagents_deployer.backends.base import AgentBackend, ExitCallback, LaunchError, LaunchSpec, RunningAgent
from runagents_deployer.backends.sandbox import CODE, HOME, VENV, Sandbox, find_sandbox, overlaps, python_home

log = logging.getLogger("runagents.deployer.local")

# Variables of the platform's own environment an agent inherits; nothing else (above all no keys).
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR")
STOP_GRACE_SECONDS = 5
ADOPT_TIMEOUT_SECONDS = 2
DEPLOYMENT_ENV = "RUNAGENTS_DEPLOYMENT_ID"
"""The deployment a runtime serves; it names it on /healthz, which is how a restarted deployer knows it."""
RUNTIME_NS_PID = "2"
"""The runtime's pid inside its sandbox: bwrap's reaper is 1, the command it starts is 2."""
Isolation = Literal["auto", "required", "off"]
WITH_UMASK_022 = ("/bin/sh", "-c", 'umask 022 && exec "$@"', "sh")


@dataclass
class _Process:
    deployment_id: str
    pid: int
    """The process started: bwrap when sandboxed, else the runtime itself."""
    log_path: Path
    sandboxed: bool
    process: asyncio.subprocess.Process | None = None
    """None for a process adopted from an earlier deployer (not this one's child)."""
    watcher: asyncio.Task[None] | None = None
    stopping: bool = False
    ended: asyncio.Event = field(default_factory=asyncio.Event)


class LocalProcessBackend(AgentBackend):
    def __init__(self, agents_dir: Path, on_exit: ExitCallback, host: str = "127.0.0.1", *,
                 isolation: Isolation = "auto", agent_uid: int = 65534, agent_gid: int = 65534,
                 guarded: tuple[Path, ...] = (),
                 platform_python: Path | None = None) -> None:
        """``guarded``: folders a sandbox must never show (the platform's data dir);
        ``platform_python``: the interpreter the runtime's server runs with (default: this one, whose
        environment installs the runtime)."""
        self.agents_dir = agents_dir
        self.on_exit = on_exit
        self.host = host
        self.isolation = isolation
        self.agent_ids = (agent_uid, agent_gid)
        self.guarded = guarded
        self.platform_python = platform_python or Path(sys.executable)
        self._processes: dict[tuple[str, str], _Process] = {}
        """By (agent, deployment): a redeploy's deployment starts beside the one serving until it replaces it."""
        self._sandbox: tuple[Sandbox | None, str] | None = None
        self._sandbox_lock = asyncio.Lock()

    async def sandbox(self) -> tuple[Sandbox | None, str]:
        """The sandbox agents run in, or None and why not (probed once)."""
        async with self._sandbox_lock:
            if self._sandbox is None:
                if self.isolation == "off":
                    self._sandbox = None, "isolation is turned off (RUNAGENTS_AGENT_ISOLATION=off)"
                else:
                    self._sandbox = await find_sandbox(*self.agent_ids)
                    if self._sandbox[0] is None:
                        log.warning("agents run without isolation: %s", self._sandbox[1])
            return self._sandbox

    async def start(self, spec: LaunchSpec) -> RunningAgent:
        if spec.artifact_kind != "local-venv":
            raise LaunchError(f"the local backend cannot run a {spec.artifact_kind} artifact")
        venv = Path(spec.artifact_ref)
        python = venv / "bin" / "python"
        if not python.exists():
            raise LaunchError(f"the agent's virtualenv is missing ({python})")
        sandbox, reason = await self.sandbox()
        if sandbox is None and self.isolation == "required":
            raise LaunchError(f"agent isolation is required (RUNAGENTS_AGENT_ISOLATION=required) but {reason}")
        await self.stop(spec.agent, spec.deployment_id)
        workdir = self.agents_dir / spec.agent / spec.deployment_id
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.parent.mkdir(parents=True, exist_ok=True)
        if spec.source_dir:
            # A copy per deployment the agent may read (its own uid) but not change (bound read-only).
            shutil.copytree(spec.source_dir, workdir)
        else:
            workdir.mkdir()
        _readable_by_all(workdir)
        port = _free_port(self.host)
        env = {key: os.environ[key] for key in INHERITED if key in os.environ}
        env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
        env.update(spec.environment)
        env.update({"PORT": str(port), "HOST": self.host, "VIRTUAL_ENV": spec.artifact_ref,
                    DEPLOYMENT_ENV: spec.deployment_id})
        env["AGENT_PYTHON"] = str(python)
        # -I: neither the working folder (the upload) nor PYTHON* variables come before the runtime's
        # own packages on the import path; -u in place of PYTHONUNBUFFERED, which -I ignores.
        argv = [str(self.platform_python), "-I", "-u", "-m", "runagents_runtime"]
        if sandbox is not None:
            env.update({"HOME": HOME, "TMPDIR": "/tmp", "PATH": f"{VENV}/bin:/usr/local/bin:/usr/bin:/bin",
                        "VIRTUAL_ENV": str(VENV), "AGENT_PYTHON": str(VENV / "bin" / "python")})
            argv = sandbox.command(argv, hostname=spec.agent, read_only=self._bound(venv, workdir), workdir=CODE)
        log_path = self._log_path(spec.agent, spec.deployment_id)
        # bwrap's options through a pipe: a command line is readable by every process that sees it (the
        # sandbox's reaper, pid 1 inside, is bwrap), and they name the platform's folders.
        options, command = (argv[1:argv.index("--")], argv[argv.index("--"):]) if sandbox else ([], argv)
        with open(log_path, "ab") as log_file, _arguments_pipe(options) as pass_fds:  # noqa: ASYNC230 - local files
            if sandbox is not None:
                # The platform's umask (077) would make the sandbox's mount points unreadable to the agent; a
                # shell sets another (uvloop, which serves the platform, has no umask for subprocesses).
                argv = [*WITH_UMASK_022, argv[0], "--args", str(pass_fds[0]), *command]
            process = await asyncio.create_subprocess_exec(
                *argv, cwd=workdir, env=env, pass_fds=pass_fds,
                stdin=asyncio.subprocess.DEVNULL, stdout=log_file, stderr=asyncio.subprocess.STDOUT,
                # Its own session, and no death signal: neither Ctrl-C to the platform's process group nor
                # a crash of the deployer ends the agent. A deployer shutting down stops its agents itself.
                start_new_session=True,
            )
        entry = _Process(spec.deployment_id, process.pid, log_path, sandbox is not None, process)
        endpoint = f"http://{self.host}:{port}"
        _write_state(workdir.parent / f"{spec.deployment_id}.json",
                     {"pid": process.pid, "started": _start_time(process.pid), "endpoint": endpoint,
                      "gateway": spec.environment.get("LLM_GATEWAY_URL"),
                      "sandboxed": sandbox is not None, "isolation": reason if sandbox is None else ""})
        self._watch(spec.agent, entry)
        log.info("started agent %s (pid %d) on port %d%s", spec.agent, process.pid, port,
                 "" if sandbox else f" without isolation ({reason})", extra={"agent": spec.agent})
        return RunningAgent(spec.agent, spec.deployment_id, endpoint, "" if sandbox else reason)

    def _bound(self, venv: Path, workdir: Path) -> dict[Path, Path]:
        """What a sandbox shows besides /usr (where: what): the agent's venv, its code, the installation the
        venv's interpreter comes from, and the platform's environment the runtime's server runs in (its
        interpreter's, the runtime's and its contracts' sources: at their own paths, which they name)."""
        bound = {VENV: venv.resolve(), CODE: workdir.resolve()}
        for extra in (python_home(venv), *platform_environment(self.platform_python)):
            if extra is None or not extra.is_dir() or str(extra.resolve()).startswith("/usr/"):
                continue
            extra = extra.resolve()
            if any(overlaps(extra, guarded.resolve()) for guarded in self.guarded):
                raise LaunchError(f"{extra} holds the platform's data directory (or is in it): it cannot be shown "
                                  "to an agent")
            bound[extra] = extra
        return bound

    async def adopt(self, agent: str, deployment_id: str, gateway_url: str | None = None) -> RunningAgent | None:
        """Take over a deployment an earlier deployer started, when its process still runs, its runtime says it
        serves that deployment and it reaches the gateway at ``gateway_url``; None otherwise (the caller starts
        it again, and a process of it that still ran is stopped)."""
        if (agent, deployment_id) in self._processes:
            return None
        state = _read_state(self.agents_dir / agent / f"{deployment_id}.json")
        if state is None:
            return None
        pid, endpoint = state.get("pid"), state.get("endpoint")
        if not isinstance(pid, int) or not isinstance(endpoint, str) or _start_time(pid) != state.get("started"):
            return None
        entry = _Process(deployment_id, pid, self._log_path(agent, deployment_id),
                         bool(state.get("sandboxed")))
        self._watch(agent, entry)
        try:
            async with httpx.AsyncClient(timeout=ADOPT_TIMEOUT_SECONDS) as client:
                health = (await client.get(f"{endpoint}/healthz")).json()
        except (httpx.HTTPError, ValueError):
            health = None
        if not isinstance(health, dict) or health.get("agent") != agent or health.get("deployment") != deployment_id \
                or (gateway_url is not None and state.get("gateway") != gateway_url):
            log.info("stopping agent %s (pid %d): it is not the deployment expected", agent, pid,
                     extra={"agent": agent})
            await self.stop(agent, deployment_id)
            return None
        log.info("adopted agent %s (pid %d) at %s", agent, pid, endpoint, extra={"agent": agent})
        return RunningAgent(agent, deployment_id, endpoint, str(state.get("isolation") or ""))

    def _watch(self, agent: str, entry: _Process) -> None:
        entry.watcher = asyncio.create_task(self._wait_exit(agent, entry), name=f"agent-watch-{agent}")
        self._processes[(agent, entry.deployment_id)] = entry

    async def _wait_exit(self, agent: str, entry: _Process) -> None:
        reaper = await _sandbox_reaper(entry) if entry.sandboxed else None
        code: int | None = None  # an adopted process is not this one's child: its exit code is not known
        if entry.process is not None:
            code = await entry.process.wait()
        else:
            await _wait_gone(entry.pid)
        if reaper is not None and _start_time(reaper[0]) == reaper[1]:
            # bwrap itself was killed: its sandbox would live on unwatched (it cannot die with bwrap without
            # dying with the deployer too). Its reaper takes every process of the sandbox with it.
            _signal(reaper[0], signal.SIGKILL)
        entry.ended.set()
        if entry.stopping:
            return
        if entry.sandboxed and code is not None and code > 128:
            code = -(code - 128)  # bwrap exits with 128 + the signal that ended the agent
        if self._processes.get((agent, entry.deployment_id)) is entry:
            del self._processes[(agent, entry.deployment_id)]
        reason = _exit_reason(code)
        tail = await self.logs_tail_of(entry.log_path, 5)
        await self.on_exit(agent, entry.deployment_id, f"{reason}{': ' + tail if tail else ''}")

    async def stop(self, agent: str, deployment_id: str | None = None) -> None:
        if deployment_id is None:
            await asyncio.gather(*(self.stop(agent, deployment) for name, deployment in list(self._processes)
                                   if name == agent))
            return
        entry = self._processes.pop((agent, deployment_id), None)
        if entry is None:
            return
        entry.stopping = True
        if not entry.ended.is_set():
            # The runtime itself, for uvicorn's graceful shutdown: bwrap neither forwards signals nor stops
            # its sandbox when it is signalled (its reaper, pid 1 inside, ignores SIGTERM).
            for pid in _runtime_pids(entry.pid) if entry.sandboxed else [entry.pid]:
                _signal(pid, signal.SIGTERM)
            try:
                async with asyncio.timeout(STOP_GRACE_SECONDS):
                    await entry.ended.wait()
            except TimeoutError:
                # The sandbox's reaper takes every process of its PID namespace with it.
                for pid in _children(entry.pid) if entry.sandboxed else []:
                    _signal(pid, signal.SIGKILL)
                _signal(entry.pid, signal.SIGKILL)
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(entry.pid, signal.SIGKILL)
                await entry.ended.wait()
        if entry.watcher:
            entry.watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await entry.watcher
        (entry.log_path.with_suffix(".json")).unlink(missing_ok=True)

    def is_running(self, agent: str, deployment_id: str) -> bool:
        entry = self._processes.get((agent, deployment_id))
        return entry is not None and not entry.ended.is_set()

    async def logs_tail(self, agent: str, lines: int = 20, deployment_id: str | None = None) -> str:
        entries = [entry for (name, deployment), entry in self._processes.items()
                   if name == agent and deployment_id in (None, deployment)]
        return await self.logs_tail_of(entries[-1].log_path, lines) if entries else ""

    def log_file(self, agent: str, deployment_id: str) -> Path | None:
        path = self._log_path(agent, deployment_id)
        return path if path.is_file() else None

    def _log_path(self, agent: str, deployment_id: str) -> Path:
        """Where that deployment's stdout and stderr go (its state file beside it, as .json)."""
        return self.agents_dir / agent / f"{deployment_id}.log"

    @staticmethod
    async def logs_tail_of(path: Path, lines: int) -> str:
        try:
            text = await asyncio.to_thread(path.read_text, errors="replace")
        except OSError:
            return ""
        return " | ".join(line for line in text.strip().splitlines()[-lines:] if line.strip())[-1000:]

    async def close(self) -> None:
        await asyncio.gather(*(self.stop(agent, deployment) for agent, deployment in list(self._processes)))


def platform_environment(python: Path) -> list[Path]:
    """The folders the runtime's server needs, when it runs with ``python``: that interpreter's environment
    and installation, and the source folders of the workspace packages it imports (editable installs)."""
    if python == Path(sys.executable):
        folders = [Path(sys.prefix), Path(sys.base_prefix)]
    else:
        environment = python.parent.parent
        folders = [environment, *filter(None, [python_home(environment)])]
    for package in ("runagents_runtime", "runagents_contracts"):
        spec = importlib.util.find_spec(package)
        for location in (spec.submodule_search_locations or []) if spec else []:
            folders.append(Path(location).parent)
    return folders


@contextlib.contextmanager
def _arguments_pipe(arguments: list[str]) -> Iterator[tuple[int, ...]]:
    """A pipe holding ``arguments`` NUL-separated (bwrap --args), read end to pass on; none when empty."""
    if not arguments:
        yield ()
        return
    read, write = os.pipe()
    try:
        data = b"".join(argument.encode() + b"\0" for argument in arguments)
        if len(data) >= 65536:
            raise LaunchError("the sandbox's options are too long for a pipe")
        os.write(write, data)
        os.close(write)
        write = -1
        yield (read,)
    finally:
        os.close(read)
        if write >= 0:
            os.close(write)


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _exit_reason(code: int | None) -> str:
    if code is None:
        return "the agent process ended"
    if code < 0:
        try:
            return f"the agent process was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"the agent process was killed by signal {-code}"
    return f"the agent process exited with code {code}"


def _readable_by_all(folder: Path) -> None:
    """The agent runs as its own uid: its code must be readable by it (the platform's umask is 077)."""
    for root, dirs, files in os.walk(folder):
        os.chmod(root, 0o755)
        for name in dirs:
            if not os.path.islink(os.path.join(root, name)):
                os.chmod(os.path.join(root, name), 0o755)
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                os.chmod(path, 0o755 if os.access(path, os.X_OK) else 0o644)


def _write_state(path: Path, state: dict[str, object]) -> None:
    scratch = path.with_suffix(".json.tmp")
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(state, file)
    scratch.replace(path)


def _read_state(path: Path) -> dict[str, object] | None:
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def _start_time(pid: int) -> int | None:
    """When the process started (clock ticks since boot), so a reused pid is not taken for it; None when
    it is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return None if fields[0] in ("Z", "X") else int(fields[19])


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


def _runtime_pids(bwrap_pid: int) -> list[int]:
    """The runtime's host pid in a sandbox (bwrap -> its reaper -> the runtime); every process under the
    reaper when the runtime cannot be told apart."""
    under_reaper = [pid for reaper in _children(bwrap_pid) for pid in _children(reaper)]
    for pid in under_reaper:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        nspids = next((line.split()[1:] for line in status.splitlines() if line.startswith("NSpid:")), [])
        if nspids and nspids[-1] == RUNTIME_NS_PID:
            return [pid]
    return under_reaper


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signum)


async def _sandbox_reaper(entry: _Process) -> tuple[int, int | None] | None:
    """bwrap's reaper in the sandbox (its only child) and when it started, once it exists."""
    for _ in range(100):
        for child in _children(entry.pid):
            return child, _start_time(child)
        if _start_time(entry.pid) is None or (entry.process is not None and entry.process.returncode is not None):
            return None
        await asyncio.sleep(0.02)
    return None


async def _wait_gone(pid: int) -> None:
    """Wait for a process that is not this one's child to end."""
    try:
        descriptor = os.pidfd_open(pid)
    except OSError:
        while _start_time(pid) is not None:  # noqa: ASYNC110 - a kernel without pidfds has nothing to await
            await asyncio.sleep(0.5)
        return
    ended = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_reader(descriptor, ended.set)
    try:
        await ended.wait()
    finally:
        loop.remove_reader(descriptor)
        os.close(descriptor)
