"""What the bubblewrap sandbox costs an agent's start: the local backend starts a Tier 2 agent from this
workspace's virtualenv, unsandboxed and sandboxed, and times start -> /healthz answering, and stop.

    uv run python bench/agent_isolation.py [--starts 5]
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from runagents_deployer.backends.base import LaunchSpec
from runagents_deployer.backends.local_process import Isolation, LocalProcessBackend
from runagents_deployer.component import runtime_source


async def _exited(agent: str, deployment_id: str, reason: str) -> None:
    raise SystemExit(f"agent {agent} exited during the bench: {reason}")


async def start_and_stop(root: Path, isolation: Isolation, index: int) -> tuple[float, float, str]:
    source = root / "source"
    source.mkdir(exist_ok=True)
    (source / "agent.py").write_text("def handler(request):\n    return 'hi'\n")
    backend = LocalProcessBackend(root / f"agents-{isolation}", _exited, isolation=isolation,
                                  runtime_source=runtime_source(), guarded=(root,))
    _, why_not = await backend.sandbox()  # probed once per backend, outside the timing
    started = time.monotonic()
    running = await backend.start(LaunchSpec("bench", f"dep-{index}", "local-venv", sys.prefix, str(source),
                                             {"USER_ENTRY_POINT": "agent"}))
    async with httpx.AsyncClient(timeout=5) as client:
        while True:
            try:
                if (await client.get(f"{running.endpoint}/healthz")).status_code == 200:
                    break
            except httpx.HTTPError:
                await asyncio.sleep(0.02)
    up = time.monotonic() - started
    stopping = time.monotonic()
    await backend.close()
    return up, time.monotonic() - stopping, why_not if isolation != "off" else ""


async def main(starts: int) -> None:
    print("| isolation | starts | start -> /healthz (median) | stop (median) | note |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for isolation in ("off", "auto"):
            results = [await start_and_stop(Path(folder), isolation, index) for index in range(starts)]
            note = results[0][2] and f"no sandbox: {results[0][2]}"
            print(f"| {'none' if isolation == 'off' else 'bubblewrap'} | {starts} "
                  f"| {statistics.median(r[0] for r in results):.2f} s "
                  f"| {statistics.median(r[1] for r in results):.2f} s | {note} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5)
    asyncio.run(main(parser.parse_args().starts))
