"""The agent's process: load the entry, then run turns as the server asks, concurrently, on one loop.

Loading happens before the event loop starts, in the main thread, as a plain import would (module
code that registers a signal handler or calls asyncio.run works). Each turn is a task; a sync
framework call runs in a worker thread that inherits the run (asyncio.to_thread copies the context).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from pathlib import Path
from typing import Any

from runagents_runtime.agent_side.child import outbound, protocol
from runagents_runtime.agent_side.child.errors import innermost_location, redact_secrets, summarize_exception
from runagents_runtime.agent_side.loading import EntryLoadError, EntrySpec, LoadedEntry, load_entry
from runagents_runtime.agent_side.turn import Turn

CODE_FAILED = "Agent code raised an error"


def main(fd: int) -> None:
    """Serve the server at the other end of the socket `fd` until it closes it."""
    sock = socket.socket(fileno=fd)
    outbound.install()  # before the agent's code imports any client
    start = protocol.decode(_first_line(sock))
    root = str(start.get("cwd") or os.getcwd())
    try:
        entry = _load(start, root)
    except BaseException as exc:
        sock.sendall(protocol.encode({"type": protocol.FAILED, "error": _load_error(exc, root)}))
        sock.close()
        return
    sock.sendall(protocol.encode({"type": protocol.LOADED, "adapter": entry.adapter, "target": entry.target}))
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(_serve(sock, entry, root))
    finally:
        # Not asyncio.run: it would wait for worker threads still inside the agent's code, and nothing
        # must keep this process alive once the server has gone.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _first_line(sock: socket.socket) -> bytes:
    """The start message, read without taking a byte of what follows it (the loop reads that)."""
    line = b""
    while not line.endswith(b"\n"):
        peeked = sock.recv(65536, socket.MSG_PEEK)
        if not peeked:
            raise SystemExit("runagents agent process: the runtime closed the connection before starting it")
        end = peeked.find(b"\n")
        line += sock.recv(end + 1 if end >= 0 else len(peeked))
    return line


def _load(start: dict[str, Any], root: str) -> LoadedEntry:
    if start.get("type") != protocol.START:
        raise EntryLoadError("the runtime did not send a start message")
    spec = start["entry"]
    return load_entry(
        EntrySpec(file=spec["file"], adapter=spec.get("adapter"), target=spec.get("target"), module=spec.get("module")),
        Path(root),
        start.get("rules") or [],
    )


def _load_error(exc: BaseException, root: str) -> str:
    if isinstance(exc, EntryLoadError):
        # Where in the agent's code the import failed, when it did (the loader says what failed).
        location = innermost_location(exc.__cause__, root) if exc.__cause__ is not None else None
        return redact_secrets(f"{exc} (at {location})" if location else str(exc), os.environ)
    return summarize_exception(exc, os.environ, root)


async def _serve(sock: socket.socket, entry: LoadedEntry, root: str) -> None:
    reader, writer = await asyncio.open_connection(sock=sock, limit=protocol.LINE_LIMIT)
    turns: dict[str, asyncio.Task[None]] = {}

    def send(message: dict[str, Any]) -> None:
        if not writer.is_closing():
            writer.write(protocol.encode(message))

    async def run_turn(turn_id: str, turn: Turn, run: outbound.RunIdentity) -> None:
        try:
            with outbound.serving(run):
                async for event in entry.run(turn):
                    send({"type": protocol.EVENT, "id": turn_id, "event": event})
                    await writer.drain()
        except asyncio.CancelledError:
            raise
        except (Exception, SystemExit) as exc:
            send({"type": protocol.ERROR, "id": turn_id,
                  "error": {"title": CODE_FAILED, "detail": summarize_exception(exc, os.environ, root)}})
        else:
            send({"type": protocol.DONE, "id": turn_id, "calls": run.counts()})
        finally:
            turns.pop(turn_id, None)

    try:
        while line := await reader.readline():
            message = protocol.decode(line)
            if message["type"] == protocol.INVOKE:
                turn_id = str(message["id"])
                body = message["turn"]
                turn = Turn(message=str(body["message"]), history=list(body.get("history") or []),
                            context=dict(body.get("context") or {}), stream=bool(body.get("stream")))
                run = outbound.RunIdentity.from_message(message["run"])
                turns[turn_id] = asyncio.create_task(run_turn(turn_id, turn, run), name=f"turn-{turn_id}")
            elif message["type"] == protocol.CANCEL and (task := turns.get(str(message["id"]))):
                task.cancel()
    finally:
        for task in list(turns.values()):
            task.cancel()
        with contextlib.suppress(Exception):
            writer.close()
