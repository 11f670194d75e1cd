"""Usage events: the model calls that finish close together become one ``llm.calls.completed.v1``
event in the outbox.

A finished call (for a stream, after its last chunk) is handed to the recorder, which writes it
away from any request: at once when the gateway is quiet, so the run's timeline shows it right
away; under load at most one batch every ``LINGER_SECONDS``, one event for all the calls of that
while. Per call that costs a few microseconds; writing and publishing a batch costs about 10 ms
of CPU on a small machine whatever its size, more than relaying the call when it was one per
call. While the database is down, finished calls are kept in memory and written once it answers
(bounded: see ``MAX_UNWRITTEN_CALLS``). What is pending when the gateway stops is written before it
closes its database; a crash loses what was not written yet, never a response.
"""

import asyncio
import contextlib
import logging
from collections import deque

from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from runagents_common.db import Database
from runagents_common.db.outbox import Outbox
from runagents_common.errors import is_database_unavailable
from runagents_common.events.catalog import LlmCallCompleted, LlmCallsCompleted
from runagents_gateway.agent_keys.limits import AgentLimits
from runagents_gateway.llm.calls import LlmCall

log = logging.getLogger("runagents.gateway.usage")

LINGER_SECONDS = 0.5
"""The least time between two batches: a batch's fixed cost (its insert, the relay's select, publish
and update) is spread over the calls of this while; a call waits about this long at most to be written."""
MAX_CALLS_PER_EVENT = 200
"""Keeps an event under about 100 kB."""
MAX_UNWRITTEN_CALLS = 50_000
"""The bound of calls kept while the database is down (about 1 kB each in memory). Past it the oldest
are dropped, counted in ``UsageRecorder.dropped`` and logged as an error: at 35 calls/s this is an
outage of about 24 minutes. The responses were sent already; refusing them would not bring the usage back."""
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 10.0
"""A failed write is tried again after 0.5 s, doubling up to 10 s, until the database answers."""
HELD_BODY_BYTES = 16_384
"""A relayed answer longer than this (embeddings, say) is read for its usage when it is recorded,
not kept in memory until its batch is written."""


class UsageRecorder:
    def __init__(self, database: Database, outbox: Outbox, limits: AgentLimits) -> None:
        self._database = database
        self._outbox = outbox
        self._limits = limits
        self._pending: list[LlmCall] = []
        """Finished calls not yet made into events."""
        self._unwritten: deque[LlmCallCompleted] = deque()
        """Calls made into events (and charged) that are not written yet: a batch whose write failed
        stays here, oldest first, until a later write succeeds."""
        self.dropped = 0
        """Calls whose usage was given up because ``MAX_UNWRITTEN_CALLS`` were waiting."""
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def after(self, response: Response, call: LlmCall) -> None:
        """Have ``call`` recorded: a stream once its last chunk was sent, a whole answer now."""
        if isinstance(response, StreamingResponse):
            response.background = BackgroundTask(self._record_sent_stream, call)
        else:
            self.record(call)

    def record(self, call: LlmCall) -> None:
        """Queue ``call`` to be written. Its usage is read and its event made when its batch is written,
        off the request's path, except for an agent with a token budget, whose next call is judged on
        the tokens this one used; and a large body is read now rather than held until then."""
        if _has_budget(call):
            call.read_unread_body()
            self._spend(call)
        elif call.unread_body is not None and len(call.unread_body) > HELD_BODY_BYTES:
            call.read_unread_body()
        self._pending.append(call)
        self._wake.set()

    async def _record_sent_stream(self, call: LlmCall) -> None:
        # A coroutine, so the response's background task runs it on the event loop, not in a thread.
        self.record(call)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="gateway-usage-recorder")

    @property
    def unwritten(self) -> int:
        """How many finished calls are not written yet (pending, or kept through a database outage)."""
        return len(self._pending) + len(self._unwritten)

    async def aclose(self) -> None:
        """Stop, writing what is pending (one last try if the database is down)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        while self._pending or self._unwritten:
            if not await self._write_batch():
                log.error("the gateway stops with the usage of %d model call(s) unwritten: the database is "
                          "unavailable", len(self._unwritten))
                return

    async def _run(self) -> None:
        retry_in = RETRY_FIRST_SECONDS
        while True:
            await self._wake.wait()
            self._wake.clear()
            if await self._write_batch():
                retry_in = RETRY_FIRST_SECONDS
                # Calls that finish from now on wait for the next batch rather than being written a
                # few at a time back to back.
                await asyncio.sleep(LINGER_SECONDS)
            else:
                await asyncio.sleep(retry_in)
                retry_in = min(retry_in * 2, RETRY_MAX_SECONDS)
                self._wake.set()

    async def _write_batch(self) -> bool:
        """Write every finished call not yet written; whether that succeeded. What could not be
        written is kept for the next try, up to ``MAX_UNWRITTEN_CALLS``."""
        calls, self._pending = self._pending, []
        # Each call is charged and turned into its event once, however many tries its write takes.
        for call in calls:
            try:
                self._unwritten.append(self._completed(call))
            except Exception:
                log.exception("could not read the usage of a model call; it is not recorded")
        self._drop_over_bound()
        batch = list(self._unwritten)
        try:
            async with self._database.session() as session:
                for start in range(0, len(batch), MAX_CALLS_PER_EVENT):
                    self._outbox.add(session, LlmCallsCompleted(calls=batch[start:start + MAX_CALLS_PER_EVENT]))
        except asyncio.CancelledError:
            raise  # kept in _unwritten: written by aclose
        except Exception as exc:
            if not is_database_unavailable(exc):
                # Not an outage: trying again would fail again and hold every later call behind these.
                log.exception("could not record the usage of %d model call(s)", len(batch))
                for _ in batch:
                    self._unwritten.popleft()
                return True
            # The responses are already sent: the calls are kept and written once the database answers.
            log.warning("could not record the usage of %d model call(s) yet (%s); keeping them to retry",
                        len(batch), type(exc).__name__)
            return False
        for _ in batch:
            self._unwritten.popleft()
        return True

    def _drop_over_bound(self) -> None:
        over = len(self._unwritten) - MAX_UNWRITTEN_CALLS
        if over > 0:
            for _ in range(over):
                self._unwritten.popleft()
            self.dropped += over
            log.error("dropped the usage of the %d oldest unwritten model call(s): more than %d waited for "
                      "the database (%d dropped since start)", over, MAX_UNWRITTEN_CALLS, self.dropped)

    def _completed(self, call: LlmCall) -> LlmCallCompleted:
        event = call.completed_event()
        if not _has_budget(call):  # an agent with a budget was charged when the call was recorded
            self._spend(call)
        return event

    def _spend(self, call: LlmCall) -> None:
        if call.grant is not None:
            self._limits.spend(call.grant.agent, call.prompt_tokens + call.completion_tokens)


def _has_budget(call: LlmCall) -> bool:
    return call.grant is not None and call.grant.tokens_per_day is not None
