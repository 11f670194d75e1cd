from datetime import datetime
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
    completion_tokens: Mapped[int] = mapped_column(Integer(), default=0)
    total_tokens: Mapped[int] = mapped_column(Integer(), default=0)
    reported_usage: Mapped[dict[str, int] | None] = mapped_column(JSON(), default=None)
    """The usage run.completed reported; the run's usage unless model calls were recorded."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class RunEvent(Base):
    """One entry of a run's timeline. ``run_id`` is empty while the event waits for the run
    with its ``trace_id`` to become known (pending)."""

    __tablename__ = "run_events"
    __table_args__ = (
        Index("ix_run_events_run_id_time_id", "run_id", "time", "id"),
        Index("ix_run_events_pending_trace_id", "trace_id", "run_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
                                    autoincrement=True)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), default=None)
    trace_id: Mapped[str | None] = mapped_column(String(64), default=None)
    type: Mapped[str] = mapped_column(String(32))
    time: Mapped[datetime] = mapped_column(UtcDateTime())
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
