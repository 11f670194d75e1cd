"""Records each invoke as a run: ``run.started.v1`` before the agent is called, ``run.completed.v1`` after."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import uuid4

from runagents_common.db import Database, utcnow
from runagents_common.db.outbox import Outbox
from runagents_common.events.catalog import RunCompleted, RunStarted


@dataclass
class RunRecorder:
    database: Database
    outbox: Outbox
    agent: str
    user: str
    trace_id: str
    verified: bool = False
    """Whether ``user`` was verified (a token of the agent's identity provider), not merely "anonymous"."""
    run_id: str = field(default_factory=lambda: uuid4().hex)
    started_at: datetime = field(default_factory=utcnow)

    async def started(self, message: str, streaming: bool) -> None:
        async with self.database.session() as session:
            self.outbox.add(session, RunStarted(run_id=self.run_id, agent=self.agent, user=self.user,
                                                trace_id=self.trace_id, started_at=self.started_at, message=message,
                                                streaming=streaming), subject=self.run_id)

    async def succeeded(self, result: dict[str, Any]) -> None:
        await self._completed(
            "succeeded", response=str(result.get("response") or ""), model=result.get("model"),
            usage=_usage(result.get("usage")), tool_calls_made=list(result.get("tool_calls_made") or []),
        )

    async def failed(self, error: str) -> None:
        await self._completed("failed", error=error)

    async def _completed(self, status: str, **fields: Any) -> None:
        ended = utcnow()
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
