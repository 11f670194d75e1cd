"""What knowing the caller costs a request of the platform's API: GET /api/v1/tools, one keep-alive client,
sequential requests, by how the caller proves who it is, beside the same request with authentication off.

    uv run python bench/authentication.py [--requests 2000]

Each cell serves a fresh platform in this process (uvicorn on a loopback port, SQLite as in dev mode):
- off: RUNAGENTS_AUTH_DISABLED (what a platform with no identity answers);
- bootstrap key: RUNAGENTS_ADMIN_KEY, a digest comparison in process;
- API key: looked up by its prefix in the policy service's table, its digest compared;
- session cookie: the sign-in session's row looked up;
- API key, asked remotely: the runs service served alone, asking the policy service (another server) who the
  key is over HTTP with its own service key, the answer then kept 10 s (as in distributed mode).
"""

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

ADMIN_KEY = f"ra-bench-admin-{uuid.uuid4().hex}"
SERVICE_KEYS_SECRET = uuid.uuid4().hex * 2


@asynccontextmanager
async def dev_platform(auth: bool) -> AsyncIterator[str]:
    from runagents.dev import create_dev_app
    from runagents_common.testing import serve_app

    os.environ["RUNAGENTS_AUTH_DISABLED"] = "false" if auth else "true"
    with tempfile.TemporaryDirectory() as data_dir:
        app = create_dev_app(Path(data_dir), "http://127.0.0.1:9")
        async with serve_app(app) as url:
            yield url


@asynccontextmanager
async def runs_alone(policy_url: str | None) -> AsyncIterator[str]:
    """The runs service served alone: asking the policy service at ``policy_url`` who calls, or (None) with
    authentication off."""
    from runagents.components import create_components
    from runagents_common.bus import InMemoryBus
    from runagents_common.service import ServiceHost, create_host_app
    from runagents_common.settings import PlatformSettings
    from runagents_common.testing import serve_app

    with tempfile.TemporaryDirectory() as data_dir:
        env = {"RUNAGENTS_MODE": "dev", "RUNAGENTS_DATA_DIR": data_dir,
               "RUNAGENTS_AUTH_DISABLED": "false" if policy_url else "true",
               "RUNAGENTS_SERVICE_KEYS_SECRET": SERVICE_KEYS_SECRET}
        if policy_url:
            env["RUNAGENTS_POLICY_URL"] = policy_url
        os.environ.update(env)
        [runs] = create_components(["runs"], env)
        app = create_host_app(ServiceHost([runs], InMemoryBus(), migrate_on_start=True), "runs",
                              settings=PlatformSettings())
        try:
            async with serve_app(app) as url:
                yield url
        finally:
            os.environ.pop("RUNAGENTS_POLICY_URL", None)


async def timed(url: str, path: str, requests: int, headers: dict[str, str] | None = None,
                cookies: dict[str, str] | None = None) -> list[float]:
    async with httpx.AsyncClient(base_url=url, headers=headers, cookies=cookies) as client:
        for _ in range(50):  # warm up: connections, caches, SQLite pages
            (await client.get(path)).raise_for_status()
        seconds = []
        for _ in range(requests):
            start = time.perf_counter()
            answer = await client.get(path)
            seconds.append(time.perf_counter() - start)
            answer.raise_for_status()
    return seconds


async def api_key(url: str) -> str:
    async with httpx.AsyncClient(base_url=url, headers={"authorization": f"Bearer {ADMIN_KEY}"}) as admin:
        made = await admin.post("/api/v1/api-keys", json={"name": "bench", "role": "viewer"})
        made.raise_for_status()
        key: str = made.json()["key"]
        return key


async def session_cookie(url: str, key: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=url) as browser:
        (await browser.post("/auth/signin", data={"key": key}))
        return {"runagents_session": browser.cookies["runagents_session"]}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    os.environ["RUNAGENTS_ADMIN_KEY"] = ADMIN_KEY
    rows: list[tuple[str, list[float]]] = []

    async with dev_platform(auth=False) as url:
        rows.append(("off (no identity)", await timed(url, "/api/v1/tools", args.requests)))
    async with dev_platform(auth=True) as url:
        bearer: Callable[[str], dict[str, str]] = lambda key: {"authorization": f"Bearer {key}"}  # noqa: E731
        rows.append(("bootstrap key", await timed(url, "/api/v1/tools", args.requests, bearer(ADMIN_KEY))))
        key = await api_key(url)
        rows.append(("API key", await timed(url, "/api/v1/tools", args.requests, bearer(key))))
        rows.append(("session cookie", await timed(url, "/api/v1/tools", args.requests,
                                                   cookies=await session_cookie(url, key))))
    remote: list[tuple[str, list[float]]] = []
    async with runs_alone(None) as runs_url:
        remote.append(("off (no identity)", await timed(runs_url, "/api/v1/runs", args.requests)))
    os.environ["RUNAGENTS_SERVICE_KEYS_SECRET"] = SERVICE_KEYS_SECRET
    async with dev_platform(auth=True) as policy_url, runs_alone(policy_url) as runs_url:
        key = await api_key(policy_url)
        remote.append(("API key, asked of the policy service (cached 10 s)",
                       await timed(runs_url, "/api/v1/runs", args.requests, bearer(key))))

    print(f"\n{args.requests} sequential GETs per row, one keep-alive client, on this machine")
    table("The whole platform in one process (dev mode), GET /api/v1/tools", rows)
    table("The runs service alone, the policy service another server (distributed mode), GET /api/v1/runs",
          remote)


def table(title: str, rows: list[tuple[str, list[float]]]) -> None:
    baseline = statistics.median(rows[0][1])
    print(f"\n{title}\n")
    print("| caller proves itself with | p50 ms | p99 ms | requests/s | p50 over off |")
    print("|---|---:|---:|---:|---:|")
    for name, seconds in rows:
        ordered = sorted(seconds)
        p50, p99 = statistics.median(ordered), ordered[int(0.99 * (len(ordered) - 1))]
        print(f"| {name} | {p50 * 1000:.2f} | {p99 * 1000:.2f} | {len(seconds) / sum(seconds):,.0f} | "
              f"{(p50 - baseline) * 1000:+.2f} ms |")


if __name__ == "__main__":
    asyncio.run(main())
