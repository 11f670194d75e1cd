"""Tier 2: the agent's code runs in a process of its own, with the agent's own interpreter.

The server (this process: FastAPI, uvicorn, aiohttp, in the platform's environment) starts one
child, `$AGENT_PYTHON -I -u -c <bootstrap> <fd>`, in the upload's root, and talks to it over a
socketpair (agent_side/child/protocol.py); the child's stdout and stderr are this process's, the
agent's log. The child imports only the standard library, `runagents_runtime.agent_side` and the
agent's packages at the versions the agent declared (docs/runtime.md says why).

If the child ends, the turns in flight fail with 503, /healthz says why, and `on_exit` is told so
the server stops with a non-zero code: the platform sees the agent died and restarts or reports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import signal
import socket
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from runagents_contracts.entry_rules import rules_as_json

import runagents_runtime
from runagents_runtime.agent_side.child import protocol
from runagents_runtime.agent_side.child.bootstrap import bootstrap_source
from runagents_runtime.agent_side.child.errors import redact_secrets
from runagents_runtime.config import INVOKE_KEY_ENV, RuntimeConfig
from runagents_runtime.environment import inject_sdk_environment
from runagents_runtime.events import (
    AgentAnswer,
    AgentEvent,
    ChatMessage,
    ContentDelta,
    ToolCallAnswered,
    ToolCallRequested,
)
from runagents_runtime.problems import AgentProcessEnded, UserCodeFailed, UserCodeUnavailable
from runagents_runtime.propagation import RunPropagation, current_propagation

logger = logging.getLogger(__name__)

PACKAGE_DIR = str(Path(runagents_runtime.__file__).resolve().parent)
STOP_GRACE_SECONDS = 3.0
_ENDED = object()
"""Put in a turn's queue when the child ended before the turn did."""


class LoadState(StrEnum):
    LOADING = "loading"
    LOADED = "loaded"
    FAILED = "failed"
    ENDED = "ended"


@dataclass(frozen=True)
class EntryEnvironment:
    """USER_ENTRY_POINT and the deployer's analysis of it (USER_ENTRY_ADAPTER / _TARGET / _MODULE)."""

    file: str
    adapter: str | None = None
    target: str | None = None
    module: str | None = None


def child_environment(config: RuntimeConfig, environ: Mapping[str, str]) -> dict[str, str]:
    """The child's environment: the runtime's, with the SDK variables pointing at the gateway, and never
    the invoke key (the proof that an invoke came from the platform is no business of the agent's code)."""
    env = {name: value for name, value in environ.items() if name != INVOKE_KEY_ENV}
    inject_sdk_environment(config, env)
    return env


class AgentProcess:
    """The child running the agent's code, and the turns in flight with it."""

    def __init__(self, entry: EntryEnvironment, *, python: str, cwd: Path, environ: Mapping[str, str],
                 on_exit: Callable[[str], None] | None = None) -> None:
        self.entry = entry
        self.python = python
        self.cwd = cwd
        self.environ = dict(environ)
        self.on_exit = on_exit
        self.state = LoadState.LOADING
        self.adapter: str | None = None
        self.target: str | None = None
        self.error: str | None = None
        self.settled = asyncio.Event()
        """Set once loading succeeded or failed, or the child ended."""
        self._process: asyncio.subprocess.Process | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._turns: dict[str, asyncio.Queue[Any]] = {}
        self._stopping = False

    async def start(self) -> None:
        """Start the child and send it the entry; loading goes on in the background (see `settled`)."""
        ours, theirs = socket.socketpair()
        try:
            self._process = await asyncio.create_subprocess_exec(
                self.python, "-I", "-u", "-c", bootstrap_source(PACKAGE_DIR), str(theirs.fileno()),
                cwd=self.cwd, env=self.environ, pass_fds=(theirs.fileno(),), stdin=asyncio.subprocess.DEVNULL,
            )
        except OSError as exc:
            ours.close()
            self._settle(LoadState.FAILED, f"could not start the agent's interpreter {self.python}: {exc}")
            return
        finally:
            theirs.close()
        reader, self._writer = await asyncio.open_connection(sock=ours, limit=protocol.LINE_LIMIT)
        self._send({"type": protocol.START, "cwd": str(self.cwd),
                    "entry": dataclasses.asdict(self.entry),
                    "rules": rules_as_json()})
        self._reader_task = asyncio.create_task(self._read(reader), name="agent-process-reader")

    async def stop(self) -> None:
        """End the child: its connection closes (it exits by itself), then SIGTERM, then SIGKILL."""
        self._stopping = True
        if self._writer is not None:
            self._writer.close()
        process = self._process
        if process is not None and process.returncode is None:
            for signum in (None, signal.SIGTERM, signal.SIGKILL):
                if signum is not None:
                    with contextlib.suppress(ProcessLookupError):
                        process.send_signal(signum)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(STOP_GRACE_SECONDS):
                        await process.wait()
                if process.returncode is not None:
                    break
        if self._reader_task is not None:
            self._reader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader_task

    async def turn(self, turn: dict[str, Any], run: dict[str, Any]) -> AsyncGenerator[dict[str, Any], None]:
        """Run one turn in the child; yield its protocol messages (event, then done or error).

        Raises AgentProcessEnded when the child ends first. Leaving early cancels the turn in the child.
        """
        turn_id = uuid.uuid4().hex
        queue: asyncio.Queue[Any] = asyncio.Queue()
        self._turns[turn_id] = queue
        finished = False
        try:
            self._send({"type": protocol.INVOKE, "id": turn_id, "turn": turn, "run": run})
            while True:
                message = await queue.get()
                if message is _ENDED:
                    raise AgentProcessEnded(f"the agent's process ended: {self.error}")
                finished = message["type"] in (protocol.DONE, protocol.ERROR)
                yield message
                if finished:
                    return
        finally:
            self._turns.pop(turn_id, None)
            if not finished and self.state is LoadState.LOADED:
                self._send({"type": protocol.CANCEL, "id": turn_id})

    def _send(self, message: dict[str, Any]) -> None:
        if self._writer is not None and not self._writer.is_closing():
            self._writer.write(protocol.encode(message))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while line := await reader.readline():
                self._dispatch(protocol.decode(line))
        except (ValueError, ConnectionError) as exc:
            logger.error("the agent's process broke the protocol: %s", exc)
            if self._process is not None and self._process.returncode is None:
                self._process.kill()
        if self._stopping or self.state is LoadState.FAILED:
            return  # a child whose code failed to load ends by design: the runtime serves its status on
        reason = await self._exit_reason()
        logger.error("the agent's process ended: %s", reason)
        self._settle(LoadState.ENDED, reason)
        for queue in self._turns.values():
            queue.put_nowait(_ENDED)
        if self.on_exit is not None:
            self.on_exit(reason)

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == protocol.LOADED:
            self.adapter, self.target = message.get("adapter"), message.get("target")
            logger.info("loaded USER_ENTRY_POINT %r: %s %s", self.entry.file, self.adapter, self.target)
            self._settle(LoadState.LOADED, None)
        elif kind == protocol.FAILED:
            error = redact_secrets(str(message.get("error")), os.environ)
            logger.error("could not load USER_ENTRY_POINT %r: %s", self.entry.file, error)
            self._settle(LoadState.FAILED, error)
        elif (queue := self._turns.get(str(message.get("id")))) is not None:
            queue.put_nowait(message)

    def _settle(self, state: LoadState, error: str | None) -> None:
        self.state, self.error = state, error
        self.settled.set()

    async def _exit_reason(self) -> str:
        if self._process is None:
            return "the agent's process did not start"
        code = await self._process.wait()
        if code < 0:
            try:
                return f"the agent's process was killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"the agent's process was killed by signal {-code}"
        return f"the agent's process exited with code {code}"


class ProcessAgent:
    """Answers messages with the agent's code in its process; the Tier 2 counterpart of ToolLoop."""

    def __init__(self, config: RuntimeConfig, process: AgentProcess) -> None:
        self._config = config
        self._process = process

    def check(self) -> None:
        """Raise the problem that keeps the agent's code from answering, if there is one now."""
        process = self._process
        if process.state is LoadState.FAILED:
            raise UserCodeUnavailable(f"USER_ENTRY_POINT {process.entry.file!r} failed to load: {process.error}",
                                      entry_point=process.entry.file)
        if process.state is LoadState.ENDED:
            raise AgentProcessEnded(f"the agent's process ended: {process.error}")

    async def run(self, message: str, history: list[ChatMessage], *, stream: bool) -> AsyncIterator[AgentEvent]:
        """Answer `message`; see `Agent.run`. A turn that streamed nothing before its answer streams it whole."""
        await self._process.settled.wait()  # a request that came while the code still loads waits for it
        self.check()
        run = current_propagation()
        assert run is not None, "PropagationMiddleware sets the run identity for every request"
        turn = {"message": message, "history": [{"role": m.role, "content": m.content} for m in history],
                "context": self._context(history), "stream": stream}
        streamed = False
        answer: AgentAnswer | None = None
        async with contextlib.aclosing(self._process.turn(turn, _run_identity(run))) as replies:
            async for reply in replies:
                if reply["type"] == protocol.ERROR:
                    raise UserCodeFailed(redact_secrets(str(reply["error"].get("detail")), os.environ))
                if reply["type"] == protocol.DONE:
                    # Before the answer goes out: the caller reads the run's call counts with it.
                    run.steps.absorb(reply.get("calls") or {})
                    if answer is None:
                        raise UserCodeFailed("the agent's code ended its turn without an answer")
                    yield answer
                    return
                event = reply["event"]
                if event["type"] == "content":
                    streamed = True
                    yield ContentDelta(str(event["delta"]))
                elif event["type"] == "tool_call":
                    yield ToolCallRequested(str(event["name"]), str(event.get("arguments", "")))
                elif event["type"] == "tool_result":
                    yield ToolCallAnswered(str(event["name"]), str(event.get("content", "")), None)
                elif event["type"] == "answer":
                    text = str(event["text"])
                    if stream and text and not streamed:
                        yield ContentDelta(text)
                    answer = AgentAnswer(text, self._config.model)

    def _context(self, history: list[ChatMessage]) -> dict[str, Any]:
        config = self._config
        return {
            "tools": dict(config.tool_urls),
            "llm_url": config.llm_gateway_url or "",
            "model": config.model,
            "system_prompt": config.system_prompt,
            "models": {role: {"model": spec.model, "provider": spec.provider}
                       for role, spec in config.model_roles.items()},
            "session": {"history": [{"role": item.role, "content": item.content} for item in history]},
        }


def _run_identity(run: RunPropagation) -> dict[str, Any]:
    """What the child puts on the agent's outbound calls: never the agent's token."""
    return {"request_id": run.request_id, "trace_id": run.trace_id, "trace_flags": run.trace_flags,
            "agent": run.agent_name, "run_id": run.run_id, "tracestate": run.tracestate, "baggage": run.baggage}
