"""Running the engine in a process of its own (``python -m runagents_analyzer.engine``).

The service's event loop only reads the process' pipes, so no upload can block it; cancelling
:func:`run_engine` (the job's deadline, the service stopping) kills the process, so no analysis
works on after its job has given up on it. The process gets no environment but what it needs to
start: the service's secrets and database URL stay out of the process that reads uploads.
"""

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from runagents_analyzer.engine import RegisteredResources

log = logging.getLogger("runagents.analyzer.engine_process")

ENGINE_COMMAND: tuple[str, ...] = (sys.executable, "-m", "runagents_analyzer.engine")
"""The program that analyzes one tree; tests put a stand-in here."""
INHERITED_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR")
STDERR_KEPT_BYTES = 16 * 1024
PROTOCOL_LINE_BYTES = 64 * 1024

OnPhase = Callable[[str, int], Awaitable[None]]


class EngineFailed(Exception):
    """The engine raised on this source. ``exception_type`` is all of it that may be shown."""

    def __init__(self, exception_type: str) -> None:
        super().__init__(exception_type)
        self.exception_type = exception_type


class EngineProcessDied(Exception):
    """The engine's process ended without an outcome: killed (out of memory, say) or crashed."""

    def __init__(self, how: str) -> None:
        super().__init__(how)
        self.how = how


async def run_engine(root: Path, resources: RegisteredResources | None, report_path: Path,
                     on_phase: OnPhase, memory_bytes: int | None = None) -> dict[str, Any]:
    """Analyze the tree at ``root`` in a new process (of at most ``memory_bytes`` of address space)
    and return the report as JSON data.

    ``on_phase`` is awaited for each phase as the process reports it. The report is written to
    ``report_path`` (a scratch file) and read from there.
    """
    process = await asyncio.create_subprocess_exec(
        *ENGINE_COMMAND,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_environment(),
        limit=PROTOCOL_LINE_BYTES,
    )
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    stderr = asyncio.create_task(_tail(process.stderr), name=f"engine-stderr-{process.pid}")
    try:
        request = {"root": str(root), "report": str(report_path), "resources": _resources(resources),
                   "parent": os.getpid(), "memory_bytes": memory_bytes}
        process.stdin.write(json.dumps(request).encode())
        with contextlib.suppress(ConnectionError):  # an engine that died at once is reported below
            await process.stdin.drain()
        process.stdin.close()
        outcome: dict[str, Any] = {}
        while line := await process.stdout.readline():
            message = json.loads(line)
            if "phase" in message:
                await on_phase(str(message["phase"]), int(message["progress"]))
            else:
                outcome = message
        returncode = await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        stderr_tail = await stderr
    if outcome.get("done") and returncode == 0:
        return await asyncio.to_thread(_read_report, report_path)
    if stderr_tail:
        log.warning("the engine's process (pid %s) wrote to standard error:\n%s", process.pid,
                    stderr_tail.decode("utf-8", "replace"))
    if "failed" in outcome:
        raise EngineFailed(str(outcome["failed"]))
    raise EngineProcessDied(_how_it_ended(returncode))


def _environment() -> dict[str, str]:
    environment = {name: os.environ[name] for name in INHERITED_ENVIRONMENT if name in os.environ}
    # The engine imports what the service imports, from where the service found it.
    environment["PYTHONPATH"] = os.pathsep.join(path for path in sys.path if path)
    return environment


def _resources(resources: RegisteredResources | None) -> dict[str, Any] | None:
    if resources is None:
        return None
    return {"tools": [list(tool) for tool in resources.tools],
            "model_providers": [[name, kind, list(models)] for name, kind, models in resources.model_providers]}


async def _tail(stream: asyncio.StreamReader) -> bytes:
    kept = b""
    while chunk := await stream.read(STDERR_KEPT_BYTES):
        kept = (kept + chunk)[-STDERR_KEPT_BYTES:]
    return kept


def _read_report(path: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return report


def _how_it_ended(returncode: int) -> str:
    if returncode < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-returncode).name}"
        return f"was killed by signal {-returncode}"
    return f"exited with status {returncode} without a report"
