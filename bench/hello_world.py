"""Hello World timings in each run mode, measured from outside as a client would.

    uv run python bench/hello_world.py [--invokes 50] [--modes dev,distributed]

For each mode: start the platform as real processes (fresh data dir), then
  - analysis: POST the sample → report ready
  - upload→Running (cold): analysis + deploy + build (a fresh virtualenv) + start + /readyz
  - upload→Running (warm): the same for a second agent, its virtualenv from the build cache
  - invoke: POST /invoke latency over N sequential invokes (p50 / p95 / max)
Distributed mode needs Postgres and RabbitMQ (DATABASE_URL / AMQP_URL, local defaults).
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from runagents.components import SERVICES
from runagents.processes import PlatformProcesses, start_dev, start_distributed
from runagents_common.testing import DEFAULT_AMQP_URL, delete_namespace, fresh_database
from tests.e2e.flows import analyze_sample, deploy, wait_settled


def upload_to_running(client: httpx.Client) -> tuple[float, float, str]:
    started = time.perf_counter()
    analysis = analyze_sample(client)
    analysed = time.perf_counter() - started
    name = f"bench-{uuid.uuid4().hex[:6]}"
    response = deploy(client, name, analysis)
    response.raise_for_status()
    agent = wait_settled(client, name, timeout=300)
    if agent["status"] != "Running":
        raise RuntimeError(f"deploy failed: {agent['message']}")
    return analysed, time.perf_counter() - started, name


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(platform: PlatformProcesses, invokes: int) -> dict[str, float]:
    with httpx.Client(base_url=platform.base_url, headers=platform.admin_headers, timeout=120) as client:
        analysis_s, cold_s, name = upload_to_running(client)
        _, warm_s, _ = upload_to_running(client)
        latencies = []
        for _ in range(invokes):
            started = time.perf_counter()
            answer = client.post(f"/api/v1/agents/{name}/invoke", json={"message": "Say hello through the echo tool."})
            latencies.append((time.perf_counter() - started) * 1000)
            answer.raise_for_status()
    return {"analysis_s": analysis_s, "cold_s": cold_s, "warm_s": warm_s,
            "p50_ms": statistics.median(latencies), "p95_ms": percentile(latencies, 0.95), "max_ms": max(latencies)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invokes", type=int, default=50)
    parser.add_argument("--modes", default="dev,distributed")
    args = parser.parse_args()
    rows = []
    for mode in args.modes.split(","):
        # The stack drops the run's database after the platform stopped (the finally below).
        with tempfile.TemporaryDirectory(prefix=f"runagents-bench-{mode}-") as scratch, ExitStack() as stack:
            amqp = os.environ.get("AMQP_URL", DEFAULT_AMQP_URL)
            if mode == "dev":
                platform = start_dev(Path(scratch))
            else:
                platform = start_distributed(Path(scratch), stack.enter_context(fresh_database()), amqp)
            try:
                rows.append((mode, measure(platform, args.invokes)))
            finally:
                platform.stop()
                if platform.bus_namespace:
                    asyncio.run(delete_namespace(amqp, platform.bus_namespace, list(SERVICES)))
    print(f"\nHello World, {args.invokes} sequential invokes per mode (one 2-core machine)\n")
    print("| mode | analysis | upload→Running (cold build) | upload→Running (cached build) "
          "| invoke p50 | invoke p95 | invoke max |")
    print("|---|---|---|---|---|---|---|")
    for mode, r in rows:
        print(f"| {mode} | {r['analysis_s']:.2f} s | {r['cold_s']:.2f} s | {r['warm_s']:.2f} s | "
              f"{r['p50_ms']:.1f} ms | {r['p95_ms']:.1f} ms | {r['max_ms']:.1f} ms |")


if __name__ == "__main__":
    main()
