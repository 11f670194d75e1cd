"""The agent runtime's own cost, measured against a fake upstream that answers instantly.

    uv run python bench/runtime.py [--invokes 300] [--concurrency 200] [--chunks 20] [--chunk-delay 0.05]

Real processes: a fake upstream (bench/fake_upstream.py: OpenAI chat-completions wire + one
tool endpoint, aiohttp) and `python -m runagents_runtime` in Tier 1 with one tool. Then
  1. overhead per POST /invoke beyond the LLM and tool time: invoke p50 through the runtime minus
     the p50 of the same three upstream requests made directly, minus the p50 of GET /healthz
     (the client→runtime hop); and the runtime's CPU time per invoke (/proc/<pid>/stat)
  2. concurrent POST /invoke/stream held by one runtime process while the upstream streams the
     final answer slowly: completed, dropped, durations, streams open at once, peak RSS
  3. idle RSS and start-up time to the first /healthz 200, Tier 1 and Tier 2 (for Tier 2, the RSS of
     the agent's own process too, and what a turn costs to cross from the server to it and back:
     POST /invoke of a handler that returns at once, minus GET /healthz)
The load generator is the aiohttp client throughout.
"""

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
from fake_upstream import FUNCTION, MODEL, final_answer

SYSTEM_PROMPT = "You are a benchmark agent."
USER_MESSAGE = "Say hello through the echo tool."
TOOL_DEFINITIONS = [
    {
        "type": "function",
        "function": {
            "name": FUNCTION,
            "description": "Echo the text back.",
            "parameters": {"type": "object", "properties": {"text": {"type": "string"}}},
        },
    }
]
TOOL_ROUTES = {FUNCTION: {"tool": "echo-tool", "method": "POST", "path": "/echo"}}
WARM_UP = 30
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- processes ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Processes:
    """The processes this bench started; all stopped on exit, whatever ends the run."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[subprocess.Popen[bytes]] = []

    def start(
        self, name: str, command: list[str], env: dict[str, str], cwd: Path | None = None
    ) -> subprocess.Popen[bytes]:
        # A file, not a pipe: a full pipe would stall the runtime's access log mid-measurement.
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.started.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def stop_all(self) -> None:
        for process in reversed(self.started):
            self.stop(process)


def runtime_env(port: int, upstream: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "AGENT_NAME": "bench-agent",
        "SYSTEM_PROMPT": SYSTEM_PROMPT,
        "LLM_GATEWAY_URL": f"{upstream}/llm/v1/chat/completions",
        "LLM_MODEL": MODEL,
        "TOOL_NAMES": "echo-tool",
        "TOOL_URL_ECHO_TOOL": f"{upstream}/tools",
        "TOOL_DEFINITIONS_JSON": json.dumps(TOOL_DEFINITIONS),
        "TOOL_ROUTES_JSON": json.dumps(TOOL_ROUTES),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        **extra,
    }


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/<pid>/stat (fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def memory_kib(pid: int, field: str) -> int:
    """A field of /proc/<pid>/status in KiB: VmRSS now, VmHWM the peak so far."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


async def wait_ok(session: aiohttp.ClientSession, url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode} (see its log)")
        try:
            async with session.get(url) as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.005)
    raise RuntimeError(f"{url} did not answer 200 within 60 s")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@contextmanager
def runtime_process(
    processes: Processes, upstream: str, name: str, cwd: Path | None = None, **extra: str
) -> Iterator[tuple[subprocess.Popen[bytes], str, float]]:
    """Start `python -m runagents_runtime`; yield the process, its URL and when it was started."""
    port = free_port()
    started = time.perf_counter()
    process = processes.start(
        name, [sys.executable, "-m", "runagents_runtime"], runtime_env(port, upstream, **extra), cwd
    )
    try:
        yield process, f"http://127.0.0.1:{port}", started
    finally:
        processes.stop(process)


# --- 1. overhead per invoke ---------------------------------------------------------------------


async def direct_round(session: aiohttp.ClientSession, upstream: str) -> None:
    """The three requests the runtime makes for one invoke, made by the bench itself."""
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": USER_MESSAGE},
    ]
    chat = f"{upstream}/llm/v1/chat/completions"
    async with session.post(chat, json={"model": MODEL, "messages": messages, "tools": TOOL_DEFINITIONS}) as reply:
        call = (await reply.json())["choices"][0]["message"]["tool_calls"][0]
    async with session.post(f"{upstream}/tools/echo", json=json.loads(call["function"]["arguments"])) as tool:
        result = await tool.text()
    messages += [
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": result},
    ]
    async with session.post(chat, json={"model": MODEL, "messages": messages, "tools": TOOL_DEFINITIONS}) as reply:
        await reply.json()


async def invoke_once(session: aiohttp.ClientSession, runtime: str) -> None:
    async with session.post(f"{runtime}/invoke", json={"message": USER_MESSAGE, "history": []}) as response:
        body = await response.json()
    if response.status != 200 or len(body["tool_calls_made"]) != 1:
        raise RuntimeError(f"unexpected /invoke answer {response.status}: {body}")


async def timed(call: Any, *args: Any) -> float:
    started = time.perf_counter()
    await call(*args)
    return (time.perf_counter() - started) * 1000


async def health_once(session: aiohttp.ClientSession, runtime: str) -> None:
    async with session.get(f"{runtime}/healthz") as response:
        await response.read()


async def measure_overhead(runtime: str, upstream: str, pid: int, invokes: int) -> dict[str, float]:
    latencies: dict[str, list[float]] = {"invoke": [], "direct": [], "hop": []}
    async with aiohttp.ClientSession() as session:
        for _ in range(WARM_UP):
            await invoke_once(session, runtime)
            await direct_round(session, upstream)
            await health_once(session, runtime)
        # Interleaved, so a neighbour's burst of load lands on all three series alike.
        for _ in range(invokes):
            latencies["invoke"].append(await timed(invoke_once, session, runtime))
            latencies["direct"].append(await timed(direct_round, session, upstream))
            latencies["hop"].append(await timed(health_once, session, runtime))
        # CPU in blocks of one kind of request only, so each figure is that request's alone.
        cpu_before = cpu_seconds(pid)
        for _ in range(invokes):
            await invoke_once(session, runtime)
        cpu_invoke = (cpu_seconds(pid) - cpu_before) / invokes
        cpu_before = cpu_seconds(pid)
        for _ in range(invokes):
            await health_once(session, runtime)
        cpu_health = (cpu_seconds(pid) - cpu_before) / invokes
    result = {f"{name}_p50": statistics.median(values) for name, values in latencies.items()}
    result |= {f"{name}_p95": percentile(values, 0.95) for name, values in latencies.items()}
    result["overhead"] = result["invoke_p50"] - result["direct_p50"] - result["hop_p50"]
    result["cpu_invoke"] = cpu_invoke * 1000
    result["cpu_health"] = cpu_health * 1000
    return result


# --- 2. concurrent streams ----------------------------------------------------------------------


async def one_stream(session: aiohttp.ClientSession, runtime: str, expected: str) -> tuple[float, str | None]:
    """Read one POST /invoke/stream to the end; return its duration and what was wrong, if anything."""
    started = time.perf_counter()
    events: list[Any] = []
    try:
        async with session.post(f"{runtime}/invoke/stream", json={"message": USER_MESSAGE}) as response:
            if response.status != 200:
                return 0.0, f"HTTP {response.status}"
            async for raw in response.content:
                line = raw.decode().strip()
                if line.startswith("data: "):
                    data = line[len("data: ") :]
                    events.append(data if data == "[DONE]" else json.loads(data))
    except (aiohttp.ClientError, TimeoutError) as exc:
        return 0.0, type(exc).__name__
    duration = (time.perf_counter() - started) * 1000
    kinds = [event if isinstance(event, str) else event["type"] for event in events]
    text = "".join(event["delta"] for event in events if isinstance(event, dict) and event["type"] == "content")
    if kinds[-2:] != ["done", "[DONE]"]:
        return duration, f"ended with {kinds[-2:]}"
    if "tool_call" not in kinds or "tool_result" not in kinds:
        return duration, "no tool round"
    if text != expected or events[-2]["response"] != expected:
        return duration, "incomplete text"
    return duration, None


async def measure_streams(runtime: str, upstream: str, pid: int, concurrency: int, chunks: int) -> dict[str, Any]:
    expected = final_answer(chunks)
    peak_rss = memory_kib(pid, "VmRSS")
    # No client-side connection limit: the bench must not be what caps concurrency.
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=600)) as session:
        _, problem = await one_stream(session, runtime, expected)
        if problem is not None:
            raise RuntimeError(f"a single stream already fails: {problem}")
        async with session.post(f"{upstream}/stats/reset") as response:
            await response.read()
        idle_rss = memory_kib(pid, "VmRSS")
        cpu_before = cpu_seconds(pid)
        started = time.perf_counter()
        streams = asyncio.gather(*(one_stream(session, runtime, expected) for _ in range(concurrency)))
        while not streams.done():
            peak_rss = max(peak_rss, memory_kib(pid, "VmRSS"))
            await asyncio.wait([streams], timeout=0.02)
        results = streams.result()
        wall = time.perf_counter() - started
        cpu = cpu_seconds(pid) - cpu_before
        async with session.get(f"{upstream}/stats") as response:
            stats = await response.json()
    durations = [duration for duration, problem in results if problem is None]
    problems = [problem for _, problem in results if problem is not None]
    return {
        "completed": len(durations),
        "dropped": len(problems),
        "problems": sorted(set(problems)),
        "p50": statistics.median(durations) if durations else float("nan"),
        "p99": percentile(durations, 0.99) if durations else float("nan"),
        "wall": wall,
        "cpu_per_stream": cpu / concurrency * 1000,
        "cpu_busy": cpu / wall,
        "max_open": stats["max_open_streams"],
        "idle_rss": idle_rss,
        "peak_rss": max(peak_rss, memory_kib(pid, "VmHWM")),
    }


# --- 3. idle memory and start-up ----------------------------------------------------------------


async def measure_idle(runtime: str, process: subprocess.Popen[bytes], started: float) -> dict[str, float]:
    async with aiohttp.ClientSession() as session:
        await wait_ok(session, f"{runtime}/healthz", process)
        startup = time.perf_counter() - started
        await wait_ok(session, f"{runtime}/readyz", process)
    await asyncio.sleep(1)  # let the start-up garbage settle before reading RSS
    children = sum(memory_kib(child, "VmRSS") for child in child_pids(process.pid))
    return {"startup": startup, "rss": memory_kib(process.pid, "VmRSS"), "agent_rss": children}


def child_pids(pid: int) -> list[int]:
    """The processes `pid` started (the agent's process, for Tier 2)."""
    tasks = Path(f"/proc/{pid}/task")
    return [int(child) for task in tasks.iterdir() for child in (task / "children").read_text().split()]


async def measure_agent_process_hop(runtime: str, invokes: int) -> dict[str, float]:
    """p50 of POST /invoke of a handler that answers at once, and of GET /healthz: the difference is
    what a turn costs to go from the runtime's server to the agent's process and back."""
    async def invoke(session: aiohttp.ClientSession) -> None:
        async with session.post(f"{runtime}/invoke", json={"message": "hi", "history": []}) as response:
            if response.status != 200 or (await response.json())["response"] != "hello hi":
                raise RuntimeError(f"unexpected /invoke answer {response.status}")

    invoke_ms: list[float] = []
    health_ms: list[float] = []
    async with aiohttp.ClientSession() as session:
        for _ in range(WARM_UP):
            await invoke(session)
        for _ in range(invokes):
            invoke_ms.append(await timed(invoke, session))
            health_ms.append(await timed(health_once, session, runtime))
    return {"invoke_p50": statistics.median(invoke_ms), "health_p50": statistics.median(health_ms),
            "hop": statistics.median(invoke_ms) - statistics.median(health_ms)}


# --- orchestration ------------------------------------------------------------------------------


def run(args: argparse.Namespace, processes: Processes) -> None:
    upstream_port = free_port()
    upstream = f"http://127.0.0.1:{upstream_port}"
    upstream_process = processes.start(
        "upstream",
        [
            sys.executable,
            str(Path(__file__).with_name("fake_upstream.py")),
            str(upstream_port),
            "--chunks",
            str(args.chunks),
            "--chunk-delay",
            str(args.chunk_delay),
        ],
        dict(os.environ),
    )

    async def upstream_ready() -> None:
        async with aiohttp.ClientSession() as session:
            await wait_ok(session, f"{upstream}/llm/healthz", upstream_process)

    asyncio.run(upstream_ready())

    idle: dict[str, dict[str, float]] = {}
    with runtime_process(processes, upstream, "runtime-tier1-idle") as (process, url, started):
        idle["Tier 1 (built-in loop, 1 tool)"] = asyncio.run(measure_idle(url, process, started))
    with tempfile.TemporaryDirectory(prefix="runagents-bench-tier2-") as folder:
        Path(folder, "agent.py").write_text("def handler(request):\n    return 'hello ' + request['message']\n")
        with runtime_process(processes, upstream, "runtime-tier2-idle", Path(folder), USER_ENTRY_POINT="agent.py") as (
            process,
            url,
            started,
        ):
            idle["Tier 2 (handler in agent.py)"] = asyncio.run(measure_idle(url, process, started))
            hop = asyncio.run(measure_agent_process_hop(url, args.invokes))

    with runtime_process(processes, upstream, "runtime-overhead") as (process, url, started):
        asyncio.run(measure_idle(url, process, started))
        overhead = asyncio.run(measure_overhead(url, upstream, process.pid, args.invokes))
    with runtime_process(processes, upstream, "runtime-streams") as (process, url, started):
        asyncio.run(measure_idle(url, process, started))
        streams = asyncio.run(measure_streams(url, upstream, process.pid, args.concurrency, args.chunks))

    report(args, overhead, streams, idle, hop)


def report(
    args: argparse.Namespace, overhead: dict[str, float], streams: dict[str, Any], idle: dict[str, dict[str, float]],
    hop: dict[str, float],
) -> None:
    o = overhead
    print(
        f"\n1. Overhead per POST /invoke (Tier 1, one tool round = 2 LLM calls + 1 tool call), "
        f"{args.invokes} sequential invokes after {WARM_UP} warm-up, client: aiohttp\n"
    )
    print("| measure | p50 | p95 |")
    print("|---|---|---|")
    print(f"| POST /invoke through the runtime | {o['invoke_p50']:.2f} ms | {o['invoke_p95']:.2f} ms |")
    print(f"| the same 3 upstream requests, made directly | {o['direct_p50']:.2f} ms | {o['direct_p95']:.2f} ms |")
    print(f"| GET /healthz on the runtime (client→runtime hop) | {o['hop_p50']:.2f} ms | {o['hop_p95']:.2f} ms |")
    print(f"| **runtime overhead** = invoke - (direct + hop), target < 2 ms | **{o['overhead']:.2f} ms** | |")
    print(f"| runtime CPU time per invoke (utime+stime / N) | {o['cpu_invoke']:.2f} ms | |")
    print(f"| runtime CPU time per GET /healthz | {o['cpu_health']:.2f} ms | |")

    s = streams
    ideal = args.chunks * args.chunk_delay * 1000
    print(
        f"\n2. {args.concurrency} concurrent POST /invoke/stream on one runtime process, opened at once "
        f"(a tool round, then {args.chunks} chunks {args.chunk_delay * 1000:.0f} ms apart: "
        f"{ideal:.0f} ms of upstream time per stream), client: aiohttp\n"
    )
    problems = f" ({', '.join(s['problems'])})" if s["problems"] else ""
    print("| measure | value |")
    print("|---|---|")
    print(f"| completed (done + [DONE], full text) | {s['completed']} of {args.concurrency} |")
    print(f"| dropped or errored | {s['dropped']}{problems} |")
    print(f"| stream duration p50 / p99 | {s['p50']:.0f} ms / {s['p99']:.0f} ms |")
    print(f"| all streams done in | {s['wall']:.2f} s |")
    print(f"| max streams open at once (counted on the upstream) | {s['max_open']} |")
    busy = f"{s['cpu_per_stream']:.1f} ms / {s['cpu_busy']:.0%} of a core"
    print(f"| runtime CPU per stream / busy during the run | {busy} |")
    print(f"| runtime RSS before / peak | {s['idle_rss'] / 1024:.1f} MiB / {s['peak_rss'] / 1024:.1f} MiB |")

    print("\n3. A fresh, idle runtime process\n")
    print("| mode | start-up to first /healthz 200 | idle RSS (after /readyz) | the agent's process RSS |")
    print("|---|---|---|---|")
    for mode, figures in idle.items():
        agent = f"{figures['agent_rss'] / 1024:.1f} MiB" if figures["agent_rss"] else "none (no agent process)"
        print(f"| {mode} | {figures['startup']:.2f} s | {figures['rss'] / 1024:.1f} MiB | {agent} |")
    print(
        f"\nTier 2, {args.invokes} POST /invoke of a handler that answers at once: p50 {hop['invoke_p50']:.2f} ms, "
        f"GET /healthz p50 {hop['health_p50']:.2f} ms: the hop to the agent's process and back costs "
        f"**{hop['hop']:.2f} ms** a turn."
    )

    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"\nMachine: {os.cpu_count()} cores, Python {platform.python_version()} ({platform.machine()}), "
        f"load average {load} at the end (the cores are shared, so latencies are noisy; CPU time is not)."
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invokes", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--chunks", type=int, default=20)
    parser.add_argument("--chunk-delay", type=float, default=0.05, help="seconds between streamed chunks")
    args = parser.parse_args()
    # SIGTERM ends the run like Ctrl-C does, through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="runagents-bench-runtime-") as logs:
        processes = Processes(Path(logs))
        try:
            run(args, processes)
        except Exception:
            for log in sorted(Path(logs).glob("*.log")):
                print(
                    f"--- {log.name} (last lines) ---\n" + "\n".join(log.read_text().splitlines()[-20:]),
                    file=sys.stderr,
                )
            raise
        finally:
            processes.stop_all()


if __name__ == "__main__":
    main()
