"""Records each invoke as a run: ``run.started.v1`` before the agent is called, ``run.completed.v1`` after.

run.started is committed to the outbox before the agent is called, so it is on its way to the
runs service before the caller can learn the run id; the id is time-ordered
(``runagents_common.run_wire``), and the runs service waits a moment for an id minted moments ago
instead of answering 404. run.completed carries when the agent answered (not when it was written)
and how many model and tool calls the agent's runtime says it numbered, so the runs service knows
when the timeline has them all.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from runagents_common.db import Database, utcnow
from runagents_common.db.outbox import Outbox
from runagents_common.events.catalog import RunCompleted, RunStarted
from runagents_common.run_wire import new_run_id


@dataclass
class RunRecorder:
    database: Database
    outbox: Outbox
    agent: str
    user: str
    trace_id: str
    verified: bool = False
    """Whether ``user`` was verified (a token of the agent's identity provider), not merely "anonymous"."""
    run_id: str = field(default_factory=new_run_id)
    started_at: datetime = field(default_factory=utcnow)

    async def started(self, message: str, streaming: bool) -> None:
        async with self.database.session() as session:
            self.outbox.add(session, RunStarted(run_id=self.run_id, agent=self.agent, user=self.user,
                                                trace_id=self.trace_id, started_at=self.started_at, message=message,
                                                streaming=streaming), subject=self.run_id)

    async def succeeded(self, result: dict[str, Any], ended: datetime | None = None) -> None:
        """Record the run's success; ``ended`` is when the agent answered (default: now)."""
        raw_calls = result.get("calls")
        calls: dict[str, Any] = raw_calls if isinstance(raw_calls, dict) else {}
        await self._completed(
            "succeeded", ended or utcnow(), response=str(result.get("response") or ""), model=result.get("model"),
            usage=_usage(result.get("usage")), tool_calls_made=list(result.get("tool_calls_made") or []),
            llm_calls=_count(calls.get("llm")), tool_calls=_count(calls.get("tool")),
            other_calls=_count(calls.get("other")),
        )

    async def failed(self, error: str) -> None:
        await self._completed("failed", utcnow(), error=error)

    async def _completed(self, status: str, ended: datetime, **fields: Any) -> None:
        duration_ms = int((ended - self.started_at).total_seconds() * 1000)
        # Often after the response was sent: kept and retried while the database is down.
        await self.outbox.add_until_written(
            self.database,
            RunCompleted(run_id=self.run_id, agent=self.agent, status=status, ended_at=ended, duration_ms=duration_ms,
                         **fields),
            subject=self.run_id,
        )


def _usage(raw: Any) -> dict[str, int]:
    if not isinstance(raw, dict):
        return {}
    return {key: int(value) for key, value in raw.items() if isinstance(value, int | float)}


def _count(raw: Any) -> int | None:
    """A call count from the runtime's answer; None when it did not say (an older runtime)."""
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0 else None
