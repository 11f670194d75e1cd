"""An agent's log: what its deployment's process wrote to stdout and stderr, secrets masked; its tail, and
the lines it writes next (followed by polling the file: the backend writes it, this only reads)."""

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from runagents_deployer.agents.masking import Masker

TAIL_CHUNK = 1 << 20
"""A tail reads at most the last MiB of the file."""
FOLLOW_POLL_SECONDS = 0.25
IDLE_SECONDS = 15.0


def tail(path: Path, lines: int, masker: Masker) -> tuple[list[str], int]:
    """The last ``lines`` lines of ``path``, masked, and the offset reading goes on from."""
    with open(path, "rb") as file:
        size = file.seek(0, os.SEEK_END)
        start = max(0, size - TAIL_CHUNK)
        file.seek(start)
        data = file.read(size - start)
    end = data.rfind(b"\n") + 1  # a line still being written is left for the follower
    text = data[:end].decode("utf-8", "replace").splitlines()
    if start > 0 and text:
        text = text[1:]  # the chunk began mid-line
    return [masker.mask(line) for line in text[-lines:]] if lines else [], start + end


async def follow(path: Path, offset: int, masker: Masker, gone: Callable[[], Awaitable[bool]],
                 idle_seconds: float = IDLE_SECONDS) -> AsyncIterator[str | None]:
    """Each line written to ``path`` after ``offset``, masked, until ``gone()`` says the reader left; None
    after ``idle_seconds`` without one (a keep-alive for proxies that close quiet connections)."""
    pending = b""
    idle = 0.0
    while not await gone():
        offset, chunk = await asyncio.to_thread(_read_on, path, offset)
        if not chunk:
            await asyncio.sleep(FOLLOW_POLL_SECONDS)
            idle += FOLLOW_POLL_SECONDS
            if idle >= idle_seconds:
                idle = 0.0
                yield None
            continue
        idle = 0.0
        offset += len(chunk)
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for line in complete:
            yield masker.mask(line.decode("utf-8", "replace"))


def _read_on(path: Path, offset: int) -> tuple[int, bytes]:
    """What ``path`` holds from ``offset`` (at most a chunk), and the offset it was read from."""
    try:
        with open(path, "rb") as file:
            if file.seek(0, os.SEEK_END) < offset:
                offset = 0  # the file was started again (the deployment restarted)
            file.seek(offset)
            return offset, file.read(TAIL_CHUNK)
    except OSError:
        return offset, b""
