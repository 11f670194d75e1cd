"""Carry the caller's run and trace identity onto every outbound call the agent makes.

The platform's front door sends `X-RunAgents-Run-Id`, a W3C `traceparent` and optionally
`tracestate`, `baggage` and `X-Request-Id`. The runtime keeps them in a context variable for the
duration of a request, so the built-in loop and user code (Tier 2, which runs in worker threads
that inherit the context) can call `outbound_headers()` to stay on the same trace and run.

Each outbound call of a run also gets its number within the run, `X-RunAgents-Run-Seq` (1, 2, ...
in the order the calls start): the gateway and the egress layer put it on the events they record,
so the run's timeline is in the order this process made its calls, whatever the clocks and
queues in between. The answer to an invoke says how many calls of each kind were numbered, so the
platform knows when a timeline has all of them.

The header names and the headers of one call are spelled once, in agent_side/child/wire.py
(standard library only): the agent's process numbers its own calls with the same code.
"""

from __future__ import annotations

import re
import secrets
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum

from runagents_runtime.agent_side.child.wire import AGENT_HEADER as AGENT_HEADER
from runagents_runtime.agent_side.child.wire import REQUEST_ID_HEADER as REQUEST_ID_HEADER
from runagents_runtime.agent_side.child.wire import RUN_ID_HEADER as RUN_ID_HEADER
from runagents_runtime.agent_side.child.wire import RUN_SEQ_HEADER as RUN_SEQ_HEADER
from runagents_runtime.agent_side.child.wire import call_headers

INVOKE_KEY_HEADER = "X-RunAgents-Invoke-Key"
"""The deployment's invoke key (RUNAGENTS_INVOKE_KEY), sent by the platform's front door with each invoke;
the runtime serves /invoke and /invoke/stream only with it. Never forwarded on the agent's own calls."""


class CallKind(StrEnum):
    """What an outbound call of a run is, when the code making it knows."""

    LLM = "llm"
    TOOL = "tool"
    OTHER = "other"
    """Made by the agent's own HTTP clients: a model or a tool call, the runtime cannot tell which."""


class RunSteps:
    """Numbers the outbound calls of one run, from any thread, and counts them by kind."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0
        self._counts = dict.fromkeys(CallKind, 0)

    def next(self, kind: CallKind) -> int:
        """The number of a call about to start: one more than the last."""
        with self._lock:
            self._last += 1
            self._counts[kind] += 1
            return self._last

    def absorb(self, counts: Mapping[str, int]) -> None:
        """Count calls another process numbered for this run (the agent's, whose numbers started at 1)."""
        with self._lock:
            for kind in CallKind:
                added = int(counts.get(kind.value, 0))
                self._counts[kind] += added
                self._last += added

    def counts(self) -> dict[str, int]:
        """How many calls of each kind were numbered so far."""
        with self._lock:
            return {kind.value: count for kind, count in self._counts.items()}

_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_INVALID_TRACE_ID = "0" * 32
_SAMPLED = "01"


@dataclass(frozen=True)
class RunPropagation:
    """The identity of one inbound request, replayed on each outbound call it causes."""

    request_id: str
    trace_id: str
    trace_flags: str
    agent_name: str
    run_id: str | None = None
    tracestate: str | None = None
    baggage: str | None = None
    agent_token: str | None = field(default=None, repr=False)
    steps: RunSteps = field(default_factory=RunSteps, repr=False, compare=False)


_current: ContextVar[RunPropagation | None] = ContextVar("runagents_run_propagation", default=None)


def new_trace_id() -> str:
    """Return a random, valid W3C trace id (32 lowercase hex digits)."""
    while True:
        trace_id = secrets.token_hex(16)
        if trace_id != _INVALID_TRACE_ID:
            return trace_id


def propagation_from_headers(headers: Mapping[str, str], *, agent_name: str, agent_token: str | None) -> RunPropagation:
    """Read the run identity from inbound headers, starting a new trace when none (or a bad one) came in."""
    trace_id, trace_flags = new_trace_id(), _SAMPLED
    match = _TRACEPARENT.match(headers.get("traceparent", "").strip().lower())
    if match and match.group(1) != "ff" and match.group(2) != _INVALID_TRACE_ID:
        trace_id, trace_flags = match.group(2), match.group(4)
    return RunPropagation(
        request_id=headers.get(REQUEST_ID_HEADER, "").strip() or uuid.uuid4().hex,
        trace_id=trace_id,
        trace_flags=trace_flags,
        agent_name=agent_name,
        run_id=headers.get(RUN_ID_HEADER, "").strip() or None,
        # tracestate is only meaningful alongside the traceparent it belongs to.
        tracestate=(headers.get("tracestate") or None) if match else None,
        baggage=headers.get("baggage") or None,
        agent_token=agent_token,
    )


def current_propagation() -> RunPropagation | None:
    """Return the run identity of the request being served, if any."""
    return _current.get()


@contextmanager
def propagating(propagation: RunPropagation) -> Iterator[RunPropagation]:
    """Make `propagation` the current run identity inside the block."""
    token = _current.set(propagation)
    try:
        yield propagation
    finally:
        _current.reset(token)


def outbound_headers(
    propagation: RunPropagation | None = None, *, with_credentials: bool = True, kind: CallKind = CallKind.OTHER
) -> dict[str, str]:
    """Return the headers an outbound call must carry; each call gets a fresh span id and its number in the run.

    Call it once per request sent, as it starts (it counts the call as one of `kind`).
    `with_credentials=False` leaves out the agent's token (for calls the runtime does not address).
    """
    run = propagation or _current.get()
    if run is None:
        return {}
    headers = call_headers(trace_id=run.trace_id, trace_flags=run.trace_flags, agent=run.agent_name,
                           request_id=run.request_id, number=run.steps.next(kind), run_id=run.run_id,
                           tracestate=run.tracestate, baggage=run.baggage)
    if with_credentials and run.agent_token:
        headers["Authorization"] = f"Bearer {run.agent_token}"
    return headers
