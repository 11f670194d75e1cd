"""LLM proxies side by side: what relaying a chat completion costs, against one fake upstream.

    uv run python bench/gateway.py [--duration 5] [--concurrency 1,16,64] [--quick]
        [--targets direct,httpx-passthrough,aiohttp-passthrough,runagents-gateway,litellm-proxy]
        [--chunks 20] [--chunk-delay 0] [--json out.json] [--profile [TARGETS]] [--logs DIR]

One fake upstream (bench/fake_upstream.py, aiohttp, precomputed answers) serves every target, in
its own process. The targets, started one after the other and stopped once measured:

  direct               wrk hits the fake upstream itself: the floor.
  httpx-passthrough    bench/passthrough.py: FastAPI on one uvicorn worker (uvloop + httptools)
  aiohttp-passthrough  relaying through one shared httpx.AsyncClient / aiohttp.ClientSession;
                       the reference rows the gateway's upstream client is chosen by.
  runagents-gateway    `uv run runagents serve gateway` in distributed mode (Postgres database
                       runagents_bench, RabbitMQ namespace runagents-bench), an openai-compatible
                       provider registered through POST /api/v1/model-providers, an agent key
                       announced by an agent.deploy.requested.v1 event on the bus and sent as
                       `Authorization: Bearer` on every request.
  litellm-proxy        LiteLLM's proxy, one worker, no database, a master key (it refuses to start
                       without one) sent as `Authorization: Bearer`, in its own venv under
                       .cache/bench/litellm (installed on the first run, with opentelemetry-sdk:
                       see LITELLM_PACKAGES).

Each target gets a warm-up request that must answer 200, then, for a non-streaming (json) and a
streaming (stream, 20 chunks sent without delay, so the latency is the relay's cost) chat
completion, at each concurrency: wrk -t1 -c{c}, 1 s unmeasured, then --duration seconds measured:
req/s, p50 and p99 of the whole response, and the CPU the target's processes spent per request,
counted until the target is idle again after the cell (work it deferred, such as publishing usage
events, is part of the cost). A target too slow for 5 answers per connection in a cell is measured
again for as long as that takes (up to 30 s); a cell still short of that is marked *.
Before each cell the bench waits until the target is idle (a slow target goes on serving what
the last cell left in flight). Any non-2xx answer or socket error fails the run. Time to first
token (TTFT) is measured apart by bench/ttft_client.py (aiohttp) at concurrency 1 and 16. On two
cores or more the targets run on the first half of the cores, and the upstream, wrk and the TTFT
client on the second half.

--profile also samples the gateway (or the targets named, e.g. --profile runagents-gateway,litellm-proxy)
with py-spy (installed into .cache/bench/py-spy) under wrk at the highest concurrency, after its
cells, and prints the packages and functions it spends its time in.

Every process the bench starts leads its own process group and is stopped with it, whatever ends
the run (failure, Ctrl-C, SIGTERM).
"""

import argparse
import asyncio
import collections
import contextlib
import hashlib
import json
import math
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = ROOT / ".cache" / "bench"
MODEL = "bench-model"
PROVIDER = "bench-upstream"
UPSTREAM_KEY = "sk-bench-upstream"
AGENT = "bench-agent"
DATABASE = "runagents_bench"
BUS_NAMESPACE = "runagents-bench"
# Fixed, so the provider key stored encrypted by an earlier run still decrypts.
GATEWAY_SECRET = "runagents-bench-gateway-secret-key-do-not-use-elsewhere"
MAX_CELL_SECONDS = 30
"""The longest a cell is measured for when the target is too slow for 5 answers per connection."""
TARGETS = ("direct", "httpx-passthrough", "aiohttp-passthrough", "runagents-gateway", "litellm-proxy")
MODES = ("json", "stream")
MESSAGES = [{"role": "user", "content": "Say hello in one short sentence."}]
WARM_UP_SECONDS = 1
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class BenchError(RuntimeError):
    """The bench cannot go on: a target failed to start, answered non-200, or dropped requests."""


# --- processes ------------------------------------------------------------------------------------


class Processes:
    """Every process the bench starts, each the leader of its own session and process group, so
    that stopping it stops what it started too (uv's child python, uvicorn workers)."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, command: list[str], env: dict[str, str] | None = None,
              cwd: Path | None = None) -> subprocess.Popen[bytes]:
        # A file, not a pipe: a full pipe would stall a chatty server mid-measurement.
        with (self.logs / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        self.running.append(process)
        return process

    def run(self, name: str, command: list[str], timeout: float, env: dict[str, str] | None = None) -> str:
        """Run a command to its end in its own process group; its stdout, or BenchError if it failed."""
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        self.running.append(process)
        try:
            out, err = process.communicate(timeout=timeout)
        finally:
            self.stop(process)
        if process.returncode != 0:
            raise BenchError(f"{name} exited with {process.returncode}: {err.decode(errors='replace')[-2000:]}")
        return out.decode()

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        """SIGTERM to the whole group, SIGKILL after 10 s."""
        for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                continue
        with contextlib.suppress(ProcessLookupError):  # members that outlived the leader
            os.killpg(process.pid, signal.SIGKILL)
        if process in self.running:
            self.running.remove(process)

    def stop_all(self) -> None:
        for process in reversed(list(self.running)):
            self.stop(process)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Cores:
    """Where the targets run, and where the load (upstream, wrk, TTFT client) runs."""

    targets: str | None
    load: str | None

    @classmethod
    def split(cls, pin: bool) -> "Cores":
        count = os.cpu_count() or 1
        if not pin or count < 2 or shutil.which("taskset") is None:
            return cls(None, None)
        half = count // 2
        return cls(_cpu_list(range(half)), _cpu_list(range(half, count)))


def _cpu_list(cores: range) -> str:
    return f"{cores.start}-{cores.stop - 1}" if len(cores) > 1 else str(cores.start)


def pinned(command: list[str], cpus: str | None) -> list[str]:
    return ["taskset", "-c", cpus, *command] if cpus else command


def session_cpu_seconds(leader: int) -> float:
    """utime + stime of every live process in the session ``leader`` started (/proc/<pid>/stat)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == leader:  # field 6, the session id
                total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def session_members(leader: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, IndexError, ValueError):
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[3]) == leader:
                members.append(int(entry.name))
    return sorted(members)


def wait_http(url: str, process: subprocess.Popen[bytes], name: str, logs: Path, timeout: float = 120.0,
              ) -> None:
    """Until GET url answers 200; BenchError if the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{name} exited with {process.returncode} before {url} answered; "
                             f"its log:\n{tail(logs / f'{name}.log')}")
        try:
            answer = httpx.get(url, timeout=2.0)
            if answer.status_code == 200:
                return
            last = f"{answer.status_code} {answer.text[:200]}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.1)
    raise BenchError(f"{url} did not answer 200 within {timeout:.0f} s (last: {last}); "
                     f"log of {name}:\n{tail(logs / f'{name}.log')}")


def tail(path: Path, size: int = 3000) -> str:
    with contextlib.suppress(OSError):
        return path.read_bytes()[-size:].decode(errors="replace")
    return "(no log)"


# --- targets --------------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    base_url: str
    """OpenAI base URL: POST {base_url}/chat/completions."""
    process: subprocess.Popen[bytes]
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"


@dataclass
class Context:
    args: argparse.Namespace
    processes: Processes
    cores: Cores
    logs: Path
    upstream: str
    """The fake upstream's OpenAI base URL."""
    upstream_process: subprocess.Popen[bytes]


def start_upstream(args: argparse.Namespace, processes: Processes, cores: Cores, logs: Path,
                   ) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    command = [sys.executable, str(BENCH / "fake_upstream.py"), str(port), "--chunks", str(args.chunks),
               "--chunk-delay", str(args.chunk_delay)]
    process = processes.start("upstream", pinned(command, cores.load))
    wait_http(f"http://127.0.0.1:{port}/healthz", process, "upstream", logs)
    return f"http://127.0.0.1:{port}/v1", process


def start_direct(ctx: Context) -> Target:
    return Target("direct", ctx.upstream, ctx.upstream_process)


def start_passthrough(ctx: Context, client: str) -> Target:
    name = f"{client}-passthrough"
    port = free_port()
    command = [sys.executable, str(BENCH / "passthrough.py"), client, str(port), ctx.upstream]
    process = ctx.processes.start(name, pinned(command, ctx.cores.targets))
    wait_http(f"http://127.0.0.1:{port}/healthz", process, name, ctx.logs)
    return Target(name, f"http://127.0.0.1:{port}/v1", process)


# --- the gateway ----------------------------------------------------------------------------------


ADMIN_KEY = f"ra-bench-admin-{uuid.uuid4().hex}"
"""The gateway under test accepts it as an admin's (RUNAGENTS_ADMIN_KEY): the provider is registered with it."""
SERVICE_KEYS_SECRET = uuid.uuid4().hex * 2


def gateway_env(args: argparse.Namespace, port: int) -> dict[str, str]:
    database_url = f"postgresql+asyncpg://{args.postgres}/{DATABASE}"
    return {
        **os.environ,
        "RUNAGENTS_MODE": "distributed",
        "RUNAGENTS_DATABASE_URL": database_url,
        "DATABASE_URL": database_url,
        "RUNAGENTS_AMQP_URL": args.amqp_url,
        "AMQP_URL": args.amqp_url,
        "RUNAGENTS_BUS_NAMESPACE": BUS_NAMESPACE,
        "RUNAGENTS_GATEWAY_SECRET_KEY": GATEWAY_SECRET,
        "RUNAGENTS_SEED_STARTER_KIT": "false",
        "RUNAGENTS_PLATFORM_URL": f"http://127.0.0.1:{port}",
        "RUNAGENTS_ADMIN_KEY": ADMIN_KEY,
        "RUNAGENTS_SERVICE_KEYS_SECRET": SERVICE_KEYS_SECRET,  # its own key derives from it (it calls no service)
    }


async def ensure_database(server: str) -> None:
    """Create the bench's own database if it is missing (the tests' databases stay untouched)."""
    import asyncpg  # the gateway's own driver; imported here so --help needs no database

    connection = await asyncpg.connect(f"postgresql://{server}/postgres")
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE):
            await connection.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await connection.close()


async def empty_outbox(server: str) -> None:
    """Drop the usage events earlier runs left (published or not): the outbox starts empty."""
    import asyncpg

    connection = await asyncpg.connect(f"postgresql://{server}/{DATABASE}")
    try:
        if await connection.fetchval("SELECT to_regclass('gateway.outbox')") is not None:
            await connection.execute("TRUNCATE gateway.outbox")
    finally:
        await connection.close()


def register_provider(api: str, upstream: str) -> None:
    """The fake upstream as an openai-compatible provider of MODEL, through the public API."""
    spec = {"kind": "openai-compatible", "base_url": upstream, "api_key": UPSTREAM_KEY,
            "models": [{"name": MODEL, "role": "chat"}]}
    admin = {"authorization": f"Bearer {ADMIN_KEY}"}
    answer = httpx.post(f"{api}/api/v1/model-providers", json={"name": PROVIDER, **spec}, headers=admin, timeout=30)
    if answer.status_code == 409:  # an earlier run registered it: point it at this run's upstream
        answer = httpx.put(f"{api}/api/v1/model-providers/{PROVIDER}", json=spec, headers=admin, timeout=30)
    if answer.status_code not in (200, 201):
        raise BenchError(f"registering the provider failed: {answer.status_code} {answer.text[:500]}")


async def announce_agent_key(amqp_url: str, key: str) -> str:
    """Tell the gateway about ``key`` as the deployer does: agent.deploy.requested.v1 for AGENT,
    carrying the key's sha256 and the wiring (chat -> PROVIDER/MODEL), then agent.status.changed.v1
    Running, which revokes the keys of the agent's earlier deployments (earlier runs of the bench).
    Published with the project's own bus on the bench's namespace. Returns the deployment id."""
    from runagents_common.bus.rabbitmq import RabbitMQBus
    from runagents_common.events.catalog import AgentDeployRequested, AgentStatusChanged
    from runagents_common.events.envelope import new_envelope

    deployment = uuid.uuid4().hex
    requested = AgentDeployRequested(
        agent=AGENT, deployment_id=deployment,
        models={"chat": {"provider": PROVIDER, "model": MODEL}},
        model_aliases={MODEL: "chat"},
        agent_key_sha256=hashlib.sha256(key.encode()).hexdigest(),
    )
    running = AgentStatusChanged(agent=AGENT, deployment_id=deployment, status="Running")
    bus = RabbitMQBus(amqp_url, namespace=BUS_NAMESPACE)
    await bus.start()
    try:
        for event in (requested, running):
            await bus.publish(new_envelope(event.event_type, "/runagents/deployer", event, subject=AGENT))
    finally:
        await bus.close()
    return deployment


def uv_command() -> str:
    found = shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")
    if not Path(found).exists():
        raise BenchError("uv is not on PATH (export PATH=$HOME/.local/bin:$PATH)")
    return found


def start_gateway(ctx: Context) -> Target:
    args = ctx.args
    port = free_port()
    env = gateway_env(args, port)
    asyncio.run(ensure_database(args.postgres))
    # --no-sync: the bench must not change the shared venv while others work in it.
    runagents = [uv_command(), "run", "--no-sync", "runagents"]
    ctx.processes.run("runagents migrate gateway", [*runagents, "migrate", "gateway"], timeout=180, env=env)
    asyncio.run(empty_outbox(args.postgres))
    command = [*runagents, "serve", "gateway", "--host", "127.0.0.1", "--port", str(port)]
    process = ctx.processes.start("runagents-gateway", pinned(command, ctx.cores.targets), env=env, cwd=ROOT)
    api = f"http://127.0.0.1:{port}"
    wait_http(f"{api}/readyz", process, "runagents-gateway", ctx.logs)
    register_provider(api, ctx.upstream)
    key = "ra-bench-" + secrets.token_urlsafe(24)
    asyncio.run(announce_agent_key(args.amqp_url, key))
    headers = {"Authorization": f"Bearer {key}", "X-RunAgents-Agent": AGENT}
    target = Target("runagents-gateway", f"{api}/llm/v1", process, headers)
    warm_up(target)  # also waits until the gateway has consumed the deploy event
    ctx.args.gateway_auth = agent_key_check(target)
    return target


def agent_key_check(target: Target) -> str:
    """Whether the gateway refuses a key it was never told of (it did not before agent keys)."""
    wrong = {**target.headers, "Authorization": "Bearer ra-bench-not-a-key"}
    answer = httpx.post(target.url, json=request_body("json"), headers=wrong, timeout=30)
    if answer.status_code == 401:
        return "agent key enforced (a key never announced gets 401)"
    return f"agent key NOT enforced (a key never announced gets {answer.status_code})"


# --- LiteLLM --------------------------------------------------------------------------------------


# LiteLLM's proxy imports opentelemetry.sdk on every request (to route tenants' spans), but
# litellm[proxy] brings only opentelemetry-api: the import fails, is tried again on the next
# request and recompiles the module each time, which made LiteLLM ~5x slower here. With the SDK
# installed it runs as its authors measure it; nothing is exported (no OTEL endpoint is set).
LITELLM_PACKAGES = ("litellm[proxy]", "opentelemetry-sdk")


def litellm_venv() -> Path:
    """LiteLLM's proxy in a venv of its own, installed on the first run only."""
    venv = CACHE / "litellm"
    python = venv / "bin" / "python"
    installed = (venv / "bin" / "litellm").exists() and any(venv.glob("lib/python*/site-packages/opentelemetry/sdk"))
    if not installed:
        print(f"installing {' '.join(LITELLM_PACKAGES)} into .cache/bench/litellm (first run only) ...", flush=True)
        uv = uv_command()
        if not python.exists():
            subprocess.run([uv, "venv", "--quiet", "--python", "3.11", str(venv)], check=True)
        subprocess.run([uv, "pip", "install", "--quiet", "--python", str(python), *LITELLM_PACKAGES], check=True)
    return venv


def litellm_config(upstream: str) -> str:
    # No callbacks (nothing logs or reports anywhere), no retries: one upstream call per request.
    return "\n".join([
        "model_list:",
        f"  - model_name: {MODEL}",
        "    litellm_params:",
        f"      model: openai/{MODEL}",
        f"      api_base: {upstream}",
        f"      api_key: {UPSTREAM_KEY}",
        "litellm_settings:",
        "  num_retries: 0",
        "  callbacks: []",
        "  success_callback: []",
        "  failure_callback: []",
        "  drop_params: true",
        "",
    ])


def litellm_version(venv: Path) -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        script = "import importlib.metadata as m; print(m.version('litellm'))"
        return subprocess.run([str(venv / "bin" / "python"), "-c", script], capture_output=True,
                              text=True, timeout=30).stdout.strip()
    return "?"


def start_litellm(ctx: Context) -> Target:
    venv = litellm_venv()
    port = free_port()
    folder = ctx.logs / "litellm"
    folder.mkdir(exist_ok=True)
    config = folder / "config.yaml"
    config.write_text(litellm_config(ctx.upstream))
    # LiteLLM refuses to start without a master key; clients present it, as agents present theirs.
    master_key = "sk-bench-" + secrets.token_hex(16)
    env = {
        **os.environ,
        "LITELLM_MASTER_KEY": master_key,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # no fetch of the price list at start
        "LITELLM_LOG": "ERROR",
        "DISABLE_ADMIN_UI": "True",
        "LITELLM_DONT_SHOW_FEEDBACK_BOX": "True",
    }
    for name in ("DATABASE_URL", "RUNAGENTS_DATABASE_URL"):  # no database: LiteLLM would use one
        env.pop(name, None)
    command = [str(venv / "bin" / "litellm"), "--config", str(config), "--host", "127.0.0.1",
               "--port", str(port), "--num_workers", "1"]
    process = ctx.processes.start("litellm-proxy", pinned(command, ctx.cores.targets), env=env, cwd=folder)
    wait_http(f"http://127.0.0.1:{port}/health/liveliness", process, "litellm-proxy", ctx.logs, timeout=180)
    ctx.args.versions["litellm"] = litellm_version(venv)
    return Target("litellm-proxy", f"http://127.0.0.1:{port}/v1", process, {"Authorization": f"Bearer {master_key}"})


STARTERS: dict[str, Callable[[Context], Target]] = {
    "direct": start_direct,
    "httpx-passthrough": lambda ctx: start_passthrough(ctx, "httpx"),
    "aiohttp-passthrough": lambda ctx: start_passthrough(ctx, "aiohttp"),
    "runagents-gateway": start_gateway,
    "litellm-proxy": start_litellm,
}


# --- requests -------------------------------------------------------------------------------------


def request_body(mode: str) -> dict[str, Any]:
    body: dict[str, Any] = {"model": MODEL, "messages": MESSAGES}
    if mode == "stream":
        body |= {"stream": True, "stream_options": {"include_usage": True}}
    return body


def warm_up(target: Target, within: float = 30.0) -> None:
    """One request of each mode must answer 200 with a whole answer before anything is measured.

    A gateway that checks agent keys may refuse the key until it has consumed the deploy event,
    so 401/403 are retried until ``within`` seconds have passed.
    """
    deadline = time.monotonic() + within
    headers = {"Content-Type": "application/json", **target.headers}
    for mode in MODES:
        while True:
            answer = httpx.post(target.url, json=request_body(mode), headers=headers, timeout=30)
            if answer.status_code == 200 or answer.status_code not in (401, 403) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        if answer.status_code != 200:
            raise BenchError(f"{target.name}: warm-up {mode} request answered {answer.status_code}: "
                             f"{answer.text[:500]}")
        complete = '"choices"' in answer.text if mode == "json" else answer.text.rstrip().endswith("data: [DONE]")
        if not complete:
            raise BenchError(f"{target.name}: warm-up {mode} answer is not a whole completion: {answer.text[:500]}")


WRK_SCRIPT = """-- written by bench/gateway.py: one chat completion per request, results as JSON from done()
wrk.method = "POST"
wrk.body = [==[{body}]==]
wrk.headers["Content-Type"] = "application/json"
{headers}
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT {{\\"requests\\": %d, \\"duration_us\\": %d, \\"p50_us\\": %.0f, \\"p99_us\\": %.0f, "
    .. "\\"max_us\\": %.0f, \\"connect_errors\\": %d, \\"read_errors\\": %d, \\"write_errors\\": %d, "
    .. "\\"status_errors\\": %d, \\"timeouts\\": %d}}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def wrk_script(folder: Path, target: Target, mode: str) -> Path:
    headers = "\n".join(f'wrk.headers["{name}"] = "{value}"' for name, value in target.headers.items())
    body = json.dumps(request_body(mode), separators=(",", ":"))
    path = folder / f"{target.name}-{mode}.lua"
    path.write_text(WRK_SCRIPT.format(body=body, headers=headers))
    return path


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise BenchError("wrk is missing: apt-get install -y wrk")
    print("installing wrk (apt-get) ...", flush=True)
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, check=True)
        subprocess.run(install, capture_output=True, check=True)
    return shutil.which("wrk") or "wrk"


def run_wrk(ctx: Context, target: Target, script: Path, concurrency: int, seconds: int,
            warm_up: bool = False) -> dict[str, Any]:
    """One wrk run; BenchError on any non-2xx answer or socket error, or (unless a warm-up, which a
    slow target may spend on its first answers) if no request completed."""
    command = pinned([ctx.args.wrk, "-t1", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "30s", "-s",
                      str(script), target.url], ctx.cores.load)
    out = ctx.processes.run(f"wrk {target.name}", command, timeout=seconds + 60)
    line = next((line for line in out.splitlines() if line.startswith("WRK_RESULT ")), None)
    if line is None:
        raise BenchError(f"wrk printed no result for {target.name}:\n{out[-2000:]}")
    result: dict[str, Any] = json.loads(line.removeprefix("WRK_RESULT "))
    errors = {k: v for k, v in result.items() if k.endswith(("_errors", "timeouts")) and v}
    if errors or not (result["requests"] or warm_up):
        raise BenchError(f"{target.name} at c={concurrency} ({script.stem}): {errors or 'no request completed'}; "
                         f"every answer must be 200. Log:\n{tail(ctx.logs / f'{target.name}.log')}")
    return result


def run_ttft(ctx: Context, target: Target, concurrency: int) -> dict[str, Any]:
    command = [sys.executable, str(BENCH / "ttft_client.py"), target.url, "--concurrency", str(concurrency),
               "--duration", str(ctx.args.ttft_duration), "--model", MODEL]
    command += [arg for name, value in target.headers.items() for arg in ("--header", f"{name}:{value}")]
    out = ctx.processes.run(f"ttft {target.name}", pinned(command, ctx.cores.load),
                            timeout=ctx.args.ttft_duration + 120)
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    if result["failures"] or not result["streams"]:
        raise BenchError(f"{target.name}: TTFT client at c={concurrency}: {result['failures']} failures, "
                         f"e.g. {result['first_failures']}")
    return result


# --- measuring ------------------------------------------------------------------------------------


@dataclass
class Row:
    target: str
    mode: str
    concurrency: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    cpu_ms_per_request: float
    """The target's CPU from the cell's start until it was idle again after it."""
    drain_s: float = 0.0
    """How long the target stayed busy after the cell (0.25 s: idle at the first look)."""
    added_p50_ms: float | None = None
    ttft_p50_ms: float | None = None
    ttft_p99_ms: float | None = None

    @property
    def few_samples(self) -> bool:
        """Fewer than 5 answers per connection: a request slower than the cell was not counted at all."""
        return 0 < self.requests < 5 * self.concurrency


def settle(target: Target, within: float = 60.0) -> float:
    """Wait until the target is idle: wrk stops with requests in flight, and a slow target goes on
    serving them (and its background work, e.g. usage events) into the next cell otherwise.
    Returns the seconds it took."""
    began = time.monotonic()
    while time.monotonic() - began < within:
        before = session_cpu_seconds(target.process.pid)
        time.sleep(0.25)
        if session_cpu_seconds(target.process.pid) - before < 0.25 * 0.1:  # under 10 % of a core
            break
    return time.monotonic() - began


def measure_cell(ctx: Context, target: Target, script: Path, mode: str, concurrency: int,
                 duration: int | None = None) -> Row:
    """One cell. A target too slow for 5 answers per connection in it is measured again, for as long
    as that takes at the rate it showed (up to MAX_CELL_SECONDS): its throughput is the divisor of
    the headline ratio, and a cell that counted only the fastest requests overstates it."""
    duration = duration or ctx.args.duration
    settle(target)
    run_wrk(ctx, target, script, concurrency, WARM_UP_SECONDS, warm_up=True)
    cpu_before = session_cpu_seconds(target.process.pid)
    result = run_wrk(ctx, target, script, concurrency, duration)
    # What the target does after the cell on its behalf (requests still in flight, usage events it
    # deferred) is part of what the cell's requests cost.
    drain = settle(target)
    cpu = session_cpu_seconds(target.process.pid) - cpu_before
    requests = int(result["requests"])
    row = Row(target.name, mode, concurrency, rps=requests / (result["duration_us"] / 1e6),
              p50_ms=result["p50_us"] / 1000, p99_ms=result["p99_us"] / 1000, requests=requests,
              cpu_ms_per_request=cpu * 1000 / requests, drain_s=drain)
    print(f"  {target.name:<20} {mode:<6} c={concurrency:<3} {row.rps:8.0f} req/s  p50 {row.p50_ms:7.2f} ms  "
          f"p99 {row.p99_ms:7.2f} ms  busy {drain:.1f} s after the cell ({duration} s)", flush=True)
    longer = min(MAX_CELL_SECONDS, math.ceil(5 * concurrency / max(row.rps, 0.1)) + 1)
    if row.few_samples and longer > duration:
        print(f"  {target.name:<20} {mode:<6} c={concurrency:<3} fewer than 5 answers per connection: "
              f"measuring again for {longer} s", flush=True)
        return measure_cell(ctx, target, script, mode, concurrency, longer)
    return row


def measure_target(ctx: Context, target: Target, scripts: Path) -> list[Row]:
    warm_up(target)
    rows = []
    for mode in MODES:
        script = wrk_script(scripts, target, mode)
        rows += [measure_cell(ctx, target, script, mode, c) for c in ctx.args.concurrency]
    for concurrency in ctx.args.ttft_concurrency:
        settle(target)
        ttft = run_ttft(ctx, target, concurrency)
        print(f"  {target.name:<20} TTFT   c={concurrency:<3} p50 {ttft['ttft_p50_ms']:.2f} ms  "
              f"p99 {ttft['ttft_p99_ms']:.2f} ms  ({ttft['streams']} streams)", flush=True)
        for row in rows:
            if row.mode == "stream" and row.concurrency == concurrency:
                row.ttft_p50_ms, row.ttft_p99_ms = ttft["ttft_p50_ms"], ttft["ttft_p99_ms"]
        if concurrency not in ctx.args.concurrency:
            rows.append(Row(target.name, "stream", concurrency, float("nan"), float("nan"), float("nan"), 0,
                            float("nan"), ttft_p50_ms=ttft["ttft_p50_ms"], ttft_p99_ms=ttft["ttft_p99_ms"]))
    return rows


def with_added_latency(rows: list[Row]) -> None:
    direct = {(r.mode, r.concurrency): r.p50_ms for r in rows if r.target == "direct"}
    for row in rows:
        floor = direct.get((row.mode, row.concurrency))
        if floor is not None and row.target != "direct":
            row.added_p50_ms = row.p50_ms - floor


# --- profiling ------------------------------------------------------------------------------------


def py_spy() -> Path:
    venv = CACHE / "py-spy"
    executable = venv / "bin" / "py-spy"
    if not executable.exists():
        print("installing py-spy into .cache/bench/py-spy (first run only) ...", flush=True)
        uv = uv_command()
        subprocess.run([uv, "venv", "--quiet", str(venv)], check=True)
        subprocess.run([uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), "py-spy"],
                       check=True)
    return executable


def server_pid(target: Target) -> int:
    """The python process serving ``target`` (under uv and taskset): the session member using most CPU."""
    def cpu(pid: int) -> int:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])
        return -1

    pythons = [pid for pid in session_members(target.process.pid)
               if "python" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")]
    return max(pythons or [target.process.pid], key=cpu)


def profile(ctx: Context, target: Target, scripts: Path) -> dict[str, Any]:
    """py-spy samples the target while wrk loads it at the highest concurrency, per mode: the
    functions most often on the CPU (own time) and most often on the stack (including callees)."""
    spy = py_spy()
    concurrency = max(ctx.args.concurrency)
    report: dict[str, Any] = {}
    for mode in MODES:
        script = wrk_script(scripts, target, mode)
        settle(target)
        run_wrk(ctx, target, script, concurrency, WARM_UP_SECONDS, warm_up=True)
        raw = ctx.logs / f"py-spy-{target.name}-{mode}.txt"
        command = [str(spy), "record", "--pid", str(server_pid(target)), "--duration", str(ctx.args.duration),
                   "--rate", "200", "--format", "raw", "--nonblocking", "--full-filenames", "--output", str(raw)]
        # wrk starts first and outlasts the sampling by a second: every sample is under load.
        wrk = ctx.processes.start(f"wrk-profile-{mode}", pinned(
            [ctx.args.wrk, "-t1", f"-c{concurrency}", f"-d{ctx.args.duration + 2}s", "--timeout", "30s", "-s",
             str(script), target.url], ctx.cores.load))
        time.sleep(0.5)
        spy_process = ctx.processes.start(f"py-spy-{mode}", command)
        spy_process.wait(timeout=ctx.args.duration + 30)
        ctx.processes.stop(spy_process)
        wrk.wait(timeout=60)
        ctx.processes.stop(wrk)
        report[mode] = top_frames(raw)
    return report


IDLE_LEAVES = ("Condition.wait", "Queue.get", "_worker (concurrent", "select (", "poll (", "sleep (")
# What every request passes through: in a list of time-with-callees they only say "the request".
FRAMEWORK = frozenset({"asyncio", "anyio", "uvicorn", "starlette", "fastapi", "contextlib.py", "runagents", "click",
                       "threading.py", "concurrent", "?"})


def top_frames(raw: Path, count: int = 12) -> dict[str, list[tuple[str, float]]]:
    """From py-spy's collapsed stacks, as % of the busy samples: own time per package and per
    function; per package, the samples it is anywhere on the stack of (its time with what it calls);
    and time with callees of the functions outside the web framework and event loop. Idle worker
    threads are left out; the event loop's own time (epoll and uvloop's C code) is `Runner.run`."""
    own: collections.Counter[str] = collections.Counter()
    packages: collections.Counter[str] = collections.Counter()
    packages_anywhere: collections.Counter[str] = collections.Counter()
    anywhere: collections.Counter[str] = collections.Counter()
    samples = 0
    lines = raw.read_text().splitlines() if raw.exists() else []
    for line in lines:
        stack, _, weight = line.rpartition(" ")
        if not stack or not weight.isdigit():
            continue
        frames = [short_frame(frame) for frame in stack.split(";")]
        if frames[-1].startswith(IDLE_LEAVES):
            continue
        n = int(weight)
        samples += n
        own[frames[-1]] += n
        packages[frame_package(frames[-1])] += n
        for package in {frame_package(frame) for frame in frames}:
            packages_anywhere[package] += n
        for frame in set(frames):
            anywhere[frame] += n
    share = 100 / max(samples, 1)
    return {
        "packages": [(name, n * share) for name, n in packages.most_common(count)],
        "packages_anywhere": [(name, n * share) for name, n in packages_anywhere.most_common()
                              if name not in FRAMEWORK][:count],
        "self": [(frame, n * share) for frame, n in own.most_common(count)],
        "total": [(frame, n * share) for frame, n in anywhere.most_common()
                  if frame_package(frame) not in FRAMEWORK][:count * 2],
    }


def short_frame(frame: str) -> str:
    """`handle (starlette/routing.py:123)` without the path up to the package and the line number."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/src/", "lib/python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where})" if where else name


def frame_package(frame: str) -> str:
    """The top-level package (or stdlib module) of a frame from short_frame."""
    where = frame.partition(" (")[2].rstrip(")")
    if where.startswith("<"):  # e.g. <sqlalchemy generated _go() wrapper for ...>
        return "sqlalchemy" if "sqlalchemy" in where else "?"
    if where.startswith("/"):  # a script outside any package: the entry point
        return where.rsplit("/", 1)[1]
    return where.split("/", 1)[0] if "/" in where else where or "?"


# --- report ---------------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 2) -> str:
    if value is None or value != value:  # None or NaN
        return "-"
    return f"{value:.{digits}f}"


def table(rows: list[Row]) -> str:
    header = ["target", "mode", "conc", "req/s", "p50 ms", "p99 ms", "+p50 vs direct ms", "cpu ms/req",
              "busy after s", "TTFT p50 ms", "TTFT p99 ms"]
    lines = [[r.target, r.mode, str(r.concurrency), fmt(r.rps, 0) + ("*" if r.few_samples else ""),
              fmt(r.p50_ms), fmt(r.p99_ms), fmt(r.added_p50_ms), fmt(r.cpu_ms_per_request, 3),
              fmt(r.drain_s, 1) if r.requests else "-", fmt(r.ttft_p50_ms), fmt(r.ttft_p99_ms)]
             for r in rows]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]

    def render(cells: list[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(cell.ljust(width) if i < 2 else cell.rjust(width) for i, (cell, width) in pairs)

    rule = "  ".join("-" * w for w in widths)
    out = [render(header), rule]
    for index, line in enumerate(lines):
        if index and rows[index].target != rows[index - 1].target:
            out.append("")
        out.append(render(line))
    if any(r.few_samples for r in rows):
        out.append("\n* fewer than 5 answers per connection in the cell: requests slower than the cell were "
                   "not counted, so its latencies are too low and its CPU per request too high")
    return "\n".join(out)


def find(rows: list[Row], target: str, mode: str, concurrency: int) -> Row | None:
    return next((r for r in rows if (r.target, r.mode, r.concurrency) == (target, mode, concurrency)), None)


def summary(rows: list[Row], concurrency: list[int]) -> str:
    high, low = max(concurrency), min(concurrency)
    parts = []
    for mode in MODES:
        ours, theirs = find(rows, "runagents-gateway", mode, high), find(rows, "litellm-proxy", mode, high)
        if ours and theirs and theirs.rps:
            parts.append(f"{mode} {ours.rps / theirs.rps:.2f}x{'*' if theirs.few_samples else ''}")
    ratio = f"gateway/LiteLLM throughput at c={high}: {', '.join(parts)}" if parts else ""
    added = []
    for name in ("runagents-gateway", "litellm-proxy"):
        cells = [find(rows, name, mode, low) for mode in MODES]
        if any(cell and cell.added_p50_ms is not None for cell in cells):
            text = " / ".join(fmt(cell.added_p50_ms) if cell else "-" for cell in cells)
            added.append(f"{name} {text} ms")
    added_text = f"added p50 at c={low} (json / stream): {'; '.join(added)}" if added else ""
    return "Summary: " + " | ".join(part for part in (ratio, added_text) if part)


def print_profile(name: str, report: dict[str, Any]) -> None:
    for mode, frames in report.items():
        print(f"\npy-spy, {name}, {mode}: % of busy samples")
        sections = (("own time by package", "packages"),
                    ("packages on the stack (their time with what they call; framework left out)", "packages_anywhere"),
                    ("own time by function", "self"),
                    ("functions with callees (framework left out)", "total"))
        for title, key in sections:
            print(f"  {title}:")
            for frame, share in frames[key]:
                print(f"    {share:5.1f}%  {frame}")


# --- orchestration --------------------------------------------------------------------------------


def run(args: argparse.Namespace, processes: Processes, logs: Path) -> tuple[list[Row], dict[str, Any]]:
    cores = Cores.split(not args.no_pin)
    upstream, upstream_process = start_upstream(args, processes, cores, logs)
    ctx = Context(args, processes, cores, logs, upstream, upstream_process)
    rows: list[Row] = []
    profiles: dict[str, Any] = {}
    for name in args.targets:
        print(f"{name}: starting", flush=True)
        started = time.monotonic()
        target = STARTERS[name](ctx)
        print(f"{name}: ready in {time.monotonic() - started:.1f} s, measuring", flush=True)
        if name == "runagents-gateway":
            print(f"{name}: {args.gateway_auth}", flush=True)
        try:
            rows += measure_target(ctx, target, logs)
            if name in args.profile:
                profiles[name] = profile(ctx, target, logs)
        finally:
            if target.process is not upstream_process:
                processes.stop(target.process)
    with_added_latency(rows)
    return rows, profiles


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    def ints(text: str) -> list[int]:
        return [int(part) for part in text.split(",") if part]

    def names(text: str) -> list[str]:
        chosen = [part.strip() for part in text.split(",") if part.strip()]
        unknown = sorted(set(chosen) - set(TARGETS))
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown targets {unknown}; known: {', '.join(TARGETS)}")
        return chosen

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--duration", type=int, default=5, help="measured seconds per cell (whole seconds)")
    parser.add_argument("--targets", type=names, default=list(TARGETS), help="comma-separated, in this order")
    parser.add_argument("--concurrency", type=ints, default=[1, 16, 64], help="wrk connections, e.g. 1,16,64")
    parser.add_argument("--ttft-concurrency", type=ints, default=[1, 16])
    parser.add_argument("--ttft-duration", type=float, default=3.0, help="seconds per TTFT measurement")
    parser.add_argument("--quick", action="store_true", help="2 s cells, concurrency 1,64, 1 s TTFT")
    parser.add_argument("--chunks", type=int, default=20, help="content chunks per streamed answer")
    parser.add_argument("--chunk-delay", type=float, default=0.0, help="seconds between streamed chunks")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    parser.add_argument("--profile", type=names, nargs="?", const=["runagents-gateway"], default=[],
                        help="py-spy these targets (default: the gateway) at the highest concurrency")
    parser.add_argument("--logs", type=Path, default=None,
                        help="keep the targets' logs and py-spy's raw stacks in this folder")
    parser.add_argument("--no-pin", action="store_true", help="do not split the cores between targets and load")
    parser.add_argument("--postgres", default="postgres@127.0.0.1:5432", help="user@host:port of Postgres")
    parser.add_argument("--amqp-url", default="amqp://guest:guest@127.0.0.1:5672/")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.concurrency, args.ttft_duration = 2, [1, 64], 1.0
    args.versions = {"Python": platform.python_version()}
    args.gateway_auth = ""
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    args.wrk = ensure_wrk()
    # Ctrl-C even when started in the background with SIGINT ignored; SIGTERM ends the run alike.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="runagents-bench-gateway-") as folder:
        logs = Path(folder) if args.logs is None else args.logs
        logs.mkdir(parents=True, exist_ok=True)
        processes = Processes(logs)
        try:
            rows, profiles = run(args, processes, logs)
        except BenchError as exc:
            processes.stop_all()
            sys.exit(f"bench failed: {exc}")
        except KeyboardInterrupt:
            processes.stop_all()
            sys.exit("bench interrupted; every process it started is stopped")
        finally:
            processes.stop_all()
    wall = time.monotonic() - began
    cores = Cores.split(not args.no_pin)
    print(f"\nLLM proxies, one fake upstream ({args.chunks} chunks per stream, {args.chunk_delay * 1000:.0f} ms "
          f"apart); wrk -t1, {args.duration} s per cell after {WARM_UP_SECONDS} s warm-up; "
          f"TTFT: aiohttp client, {args.ttft_duration:.0f} s per cell")
    print(f"targets on cpus {cores.targets or 'any'}, upstream + load on cpus {cores.load or 'any'}; "
          "cpu ms/req = the target's own processes (direct: the fake upstream), from the cell's start until "
          "it is idle again (busy after s: how long that took after the cell)\n")
    print(table(rows))
    print()
    print(summary(rows, args.concurrency))
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    versions = ", ".join(f"{name} {version}" for name, version in args.versions.items())
    print(f"Machine: {os.cpu_count()} cores, {versions}; load average {load}; wall time {wall:.0f} s")
    if args.gateway_auth:
        print(f"runagents-gateway: {args.gateway_auth}")
    for name, report in profiles.items():
        print_profile(name, report)
    if args.json:
        args.json.write_text(json.dumps({
            "machine": {"cores": os.cpu_count(), "platform": platform.platform(), "load_average": os.getloadavg()},
            "versions": args.versions,
            "settings": {"duration": args.duration, "warm_up": WARM_UP_SECONDS, "concurrency": args.concurrency,
                         "ttft_concurrency": args.ttft_concurrency, "ttft_duration": args.ttft_duration,
                         "chunks": args.chunks, "chunk_delay": args.chunk_delay,
                         "cores": asdict(cores)},
            "wall_seconds": wall,
            "gateway_auth": args.gateway_auth,
            "rows": [{**asdict(row), "few_samples": row.few_samples} for row in rows],
            "profile": profiles,
        }, indent=2))
        print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
