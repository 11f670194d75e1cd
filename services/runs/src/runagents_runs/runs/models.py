from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from runagents_common.db.base import UtcDateTime, utcnow
from runagents_runs.db import Base


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


OTHER_CALLS_GRACE = timedelta(seconds=30)
"""How long after its last event a run waits for calls of unknown kind before it counts as complete."""


class Run(Base):
    """One invoke of a deployed agent, merged from the events that describe it."""

    __tablename__ = "runs"
    __table_args__ = (
        Index("ix_runs_started_at_id", "started_at", "id"),
        Index("ix_runs_agent_started_at_id", "agent", "started_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent: Mapped[str | None] = mapped_column(String(63), default=None)
    user: Mapped[str | None] = mapped_column(String(255), default=None)
    trace_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.RUNNING.value)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    start_reported: Mapped[bool] = mapped_column(Boolean(), default=False)
    """Whether ``started_at`` is run.started's own; until then it is the earliest time the other events imply."""
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    duration_ms: Mapped[int | None] = mapped_column(Integer(), default=None)
    message: Mapped[str | None] = mapped_column(Text(), default=None)
    response: Mapped[str | None] = mapped_column(Text(), default=None)
    model: Mapped[str | None] = mapped_column(String(200), default=None)
    error: Mapped[str | None] = mapped_column(Text(), default=None)
    prompt_tokens: Mapped[int] = mapped_column(Integer(), default=0)
    """Summed over the recorded model calls (see :attr:`usage`)."""
    completion_tokens: Mapped[int] = mapped_column(Integer(), default=0)
    total_tokens: Mapped[int] = mapped_column(Integer(), default=0)
    reported_usage: Mapped[dict[str, int] | None] = mapped_column(JSON(), default=None)
    """The usage run.completed reported; the run's usage unless model calls were recorded."""
    llm_calls_seen: Mapped[int] = mapped_column(Integer(), default=0, server_default="0")
    tool_calls_seen: Mapped[int] = mapped_column(Integer(), default=0, server_default="0")
    expected_llm_calls: Mapped[int | None] = mapped_column(Integer(), default=None)
    """How many model calls run.completed says the run made; None until it says."""
    expected_tool_calls: Mapped[int | None] = mapped_column(Integer(), default=None)
    expected_other_calls: Mapped[int | None] = mapped_column(Integer(), default=None)
    """Calls the run made whose kind its process did not know: each is a model or a tool call."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def usage(self) -> dict[str, int]:
        """The recorded model calls' tokens, or what run.completed reported when none was recorded."""
        if self.llm_calls_seen:
            return {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                    "total_tokens": self.total_tokens}
        reported = self.reported_usage or {}
        prompt = int(reported.get("prompt_tokens", 0))
        completion = int(reported.get("completion_tokens", 0))
        return {"prompt_tokens": prompt, "completion_tokens": completion,
                "total_tokens": int(reported.get("total_tokens", prompt + completion))}

    @property
    def complete(self) -> bool:
        """Whether every event of the run arrived: its start, its end, and as many model and tool calls
        as the end says the run made. A run whose end names no counts is complete once start and end are in."""
        if self.status == RunStatus.RUNNING.value or not self.start_reported:
            return False
        llm, tool = self.expected_llm_calls or 0, self.expected_tool_calls or 0
        if self.llm_calls_seen < llm or self.tool_calls_seen < tool:
            return False
        if self.llm_calls_seen + self.tool_calls_seen >= llm + tool + (self.expected_other_calls or 0):
            return True
        # Only calls the agent's own HTTP clients made are missing. One that went to a host outside the
        # platform produces no event ever, so once nothing of the run has arrived for a while, none is coming.
        return utcnow() - self.updated_at >= OTHER_CALLS_GRACE



END_POSITION = 2**62
"""The timeline position of a run's end: after every call of the run, however numbered."""
UNNUMBERED_CALL_POSITION = 1
"""The position of a call its caller did not number: among the first calls, by time."""


class RunEvent(Base):
    """One entry of a run's timeline. ``run_id`` is empty while the event waits for the run
    with its ``trace_id`` to become known (pending).

    A timeline is ordered by ``(position, time, id)``: the causal order of the run's own process
    (0 for the start, the call's number, :data:`END_POSITION` for the end), then the time each
    thing happened, never the time it was ingested."""

    __tablename__ = "run_events"
    __table_args__ = (
        Index("ix_run_events_run_id_position_time_id", "run_id", "position", "time", "id"),
        Index("ix_run_events_pending_trace_id", "trace_id", "run_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
                                    autoincrement=True)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), default=None)
    trace_id: Mapped[str | None] = mapped_column(String(64), default=None)
    type: Mapped[str] = mapped_column(String(32))
    time: Mapped[datetime] = mapped_column(UtcDateTime())
    """When the thing happened, as its emitter saw it."""
    seq: Mapped[int | None] = mapped_column(BigInteger(), default=None)
    """The call's number within its run, as the run's process gave it; None if not numbered."""
    position: Mapped[int] = mapped_column(BigInteger(), default=UNNUMBERED_CALL_POSITION,
                                          server_default=str(UNNUMBERED_CALL_POSITION))
    data: Mapped[dict[str, Any]] = mapped_column(JSON(), default=dict)
    source_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class TimelineType(StrEnum):
    """The stable ``type`` names of timeline entries."""

    RUN_STARTED = "run.started"
    LLM_CALL = "llm.call"
    TOOL_CALL = "tool.call"
    RUN_COMPLETED = "run.completed"
    RUN_FAILED = "run.failed"
