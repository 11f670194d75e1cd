"""The engine as a program: ``python -m runagents_analyzer.engine`` analyzes one tree and exits.

The analyzer service runs every analysis in such a process of its own, so that it can kill an
analysis at its deadline (a thread cannot be stopped, and one busy in C holds the GIL) and so that
nothing an upload does to the engine reaches the service's event loop.

Protocol: standard input carries one JSON request ``{"root", "report", "resources", "parent",
"memory_bytes"}``;
standard output carries one JSON line per phase (``{"phase", "progress"}``) and a last line
``{"done": true}`` once the report is written to the ``report`` path, or ``{"failed": "<type>"}``
(the exception's type only: its message could quote the upload; the traceback goes to standard
error). Anything else the engine prints goes to standard error.
"""

import contextlib
import json
import os
import resource
import signal
import sys
import traceback
from pathlib import Path
from typing import IO, Any

from runagents_analyzer.engine import RegisteredResources, analyze_tree

PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Be killed when the service is (Linux); exit now if it is already gone."""
    if sys.platform == "linux":
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(3)


def limit_memory(memory_bytes: int | None) -> None:
    """Cap the process's address space: an upload that makes the engine allocate without bound ends
    in a MemoryError on this source, not in the machine running out of memory."""
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


def _resources(raw: dict[str, Any] | None) -> RegisteredResources | None:
    if raw is None:
        return None
    return RegisteredResources(
        tools=[(name, url) for name, url in raw["tools"]],
        model_providers=[(name, kind, list(models)) for name, kind, models in raw["model_providers"]],
    )


def _send(channel: IO[str], message: dict[str, Any]) -> None:
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def main() -> int:
    request = json.loads(sys.stdin.read())
    _die_with_parent(int(request["parent"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash dumps no upload to disk
    limit_memory(request.get("memory_bytes"))
    # The protocol keeps the real standard output; stray prints of the engine go to standard error.
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        report = analyze_tree(
            Path(request["root"]),
            _resources(request["resources"]),
            lambda phase, progress: _send(channel, {"phase": phase, "progress": progress}),
        )
        Path(request["report"]).write_text(report.model_dump_json(), encoding="utf-8")
    except Exception as exc:
        traceback.print_exc()
        _send(channel, {"failed": type(exc).__name__})
        return 1
    _send(channel, {"done": True})
    return 0


if __name__ == "__main__":
    sys.exit(main())
