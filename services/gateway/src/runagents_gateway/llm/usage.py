"""Usage events: the model calls that finish close together become one ``llm.calls.completed.v1``
event in the outbox.

A finished call (for a stream, after its last chunk) is handed to the recorder, which writes it
away from any request: at once when the gateway is quiet, so the run's timeline shows it right
away; under load at most one batch every ``LINGER_SECONDS``, one event for all the calls of that
while. Per call that costs a few microseconds; writing and publishing a batch costs about 10 ms
of CPU on a small machine whatever its size, more than relaying the call when it was one per
call. What is pending when the gateway stops is written before it closes its database; a crash
loses at most that while's batch, never a response.
"""

import asyncio
import contextlib
import logging

from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from runagents_common.db import Database
from runagents_common.db.outbox import Outbox
from runagents_common.events.catalog import LlmCallCompleted, LlmCallsCompleted
from runagents_gateway.agent_keys.limits import AgentLimits
from runagents_gateway.llm.calls import LlmCall

log = logging.getLogger("runagents.gateway.usage")

LINGER_SECONDS = 0.5
"""The least time between two batches: a batch's fixed cost (its insert, the relay's select, publish
and update) is spread over the calls of this while; a call waits about this long at most to be written."""
MAX_CALLS_PER_EVENT = 200
"""Keeps an event under about 100 kB."""
HELD_BODY_BYTES = 16_384
"""A relayed answer longer than this (embeddings, say) is read for its usage when it is recorded,
not kept in memory until its batch is written."""


class UsageRecorder:
    def __init__(self, database: Database, outbox: Outbox, limits: AgentLimits) -> None:
        self._database = database
        self._outbox = outbox
        self._limits = limits
        self._pending: list[LlmCall] = []
        """Finished calls not yet written."""
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

    async def aclose(self) -> None:
        """Stop, writing what is pending."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        while self._pending:
            await self._write_batch()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self._write_batch()
            # Calls that finish from now on wait for the next batch rather than being written a few
            # at a time back to back.
            await asyncio.sleep(LINGER_SECONDS)

    async def _write_batch(self) -> None:
        calls, self._pending = self._pending, []
        try:
            batch = [self._completed(call) for call in calls]
            async with self._database.session() as session:
                for start in range(0, len(batch), MAX_CALLS_PER_EVENT):
                    self._outbox.add(session, LlmCallsCompleted(calls=batch[start:start + MAX_CALLS_PER_EVENT]))
        except asyncio.CancelledError:
            self._pending[:0] = calls  # written by aclose
            raise
        except Exception:
            # The responses are already sent: there is no one left to report this to but the log.
            log.exception("could not record the usage of %d model call(s)", len(calls))

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
