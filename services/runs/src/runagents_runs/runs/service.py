"""How the events of a run merge into its row and timeline, whatever order they arrive in.

Rules: the first event of a run creates its row (running). run.started owns agent, user, trace,
message and the start time; until it arrives the start is the earliest time the other events
imply. run.completed owns the end and the outcome; a late run.started never reverts it. Usage is
the sum of the recorded model calls, or what run.completed reported when none were recorded.
Calls that name only a trace join the latest run of that trace, or wait parked until one exists.
Each event reaches this module once: the consumer's inbox (processed_events) skips redeliveries.
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.errors import NotFound
from runagents_common.events.catalog import LlmCallCompleted, RunCompleted, RunStarted, ToolCallCompleted
from runagents_runs.runs import repository
from runagents_runs.runs.cursor import decode as decode_cursor
from runagents_runs.runs.cursor import encode as encode_cursor
from runagents_runs.runs.models import Run, RunEvent, RunStatus, TimelineType

log = logging.getLogger("runagents.runs")


async def record_run_started(session: AsyncSession, event_id: str, data: RunStarted) -> None:
    run = await repository.lock_or_create(session, data.run_id, data.started_at)
    run.agent = data.agent
    run.user = data.user
    run.message = data.message
    run.started_at = data.started_at
    run.start_reported = True
    _append(session, run, event_id, TimelineType.RUN_STARTED, data.started_at, data.trace_id,
            {"message": data.message, "user": data.user})
    await _join_trace(session, run, data.trace_id)
    await _refresh_usage(session, run)


async def record_run_completed(session: AsyncSession, event_id: str, data: RunCompleted) -> None:
    started_at = data.ended_at - timedelta(milliseconds=data.duration_ms)
    run = await repository.lock_or_create(session, data.run_id, started_at)
    _imply_start(run, started_at)
    run.agent = run.agent or data.agent
    run.status = RunStatus(data.status).value
    run.ended_at = data.ended_at
    run.duration_ms = data.duration_ms
    run.response = data.response
    run.model = data.model or run.model
    run.error = data.error
    run.reported_usage = dict(data.usage)
    if data.status == "succeeded":
        entry_type = TimelineType.RUN_COMPLETED
        entry: dict[str, Any] = {"response": data.response, "tool_calls_made": data.tool_calls_made,
                                 "usage": _usage(data.usage), "duration_ms": data.duration_ms}
    else:
        entry_type = TimelineType.RUN_FAILED
        entry = {"error": data.error, "duration_ms": data.duration_ms}
    _append(session, run, event_id, entry_type, data.ended_at, None, entry)
    await _refresh_usage(session, run)


async def record_llm_call(session: AsyncSession, event_id: str, data: LlmCallCompleted) -> None:
    tokens = {"prompt_tokens": data.prompt_tokens, "completion_tokens": data.completion_tokens,
              "total_tokens": data.prompt_tokens + data.completion_tokens}
    entry = {"provider": data.provider, "model": data.model, "status": data.status, "tokens": tokens,
             "latency_ms": data.latency_ms, "finish_reason": data.finish_reason, "tool_calls": data.tool_calls}
    run = await _record_call(session, event_id, data.run_id, data.trace_id, data.agent,
                             TimelineType.LLM_CALL, data.at, entry)
    if run is not None:
        run.model = run.model or data.model


async def record_tool_call(session: AsyncSession, event_id: str, data: ToolCallCompleted) -> None:
    entry = {"tool": data.tool, "method": data.method, "path": data.path, "decision": data.decision,
             "status": data.status, "latency_ms": data.latency_ms}
    await _record_call(session, event_id, data.run_id, data.trace_id, data.agent,
                       TimelineType.TOOL_CALL, data.at, entry)


async def _record_call(
    session: AsyncSession,
    event_id: str,
    run_id: str | None,
    trace_id: str | None,
    agent: str | None,
    entry_type: TimelineType,
    at: datetime,
    entry: dict[str, Any],
) -> Run | None:
    """Attach a call to its run; returns the run, or None when the call was parked or dropped."""
    if run_id is not None:
        run = await repository.lock_or_create(session, run_id, at)
    elif trace_id is not None:
        await repository.serialize_trace(session, trace_id)
        found = await repository.lock_by_trace(session, trace_id)
        if found is None:
            repository.add_event(session, RunEvent(
                run_id=None, trace_id=trace_id, type=entry_type.value, time=at, data=entry, source_event_id=event_id
            ))
            return None
        run = found
    else:
        # Nothing ties it to a run (a call made outside an invoke); it has no timeline to join.
        log.info("%s %s names neither a run nor a trace; not recorded", entry_type.value, event_id,
                 extra={"event_id": event_id, "agent": agent})
        return None
    run.agent = run.agent or agent
    _imply_start(run, at)
    _append(session, run, event_id, entry_type, at, trace_id, entry)
    if run.trace_id is None and trace_id is not None:
        await _join_trace(session, run, trace_id)
    await _refresh_usage(session, run)
    return run


def _append(session: AsyncSession, run: Run, event_id: str, entry_type: TimelineType, time: datetime,
            trace_id: str | None, entry: dict[str, Any]) -> None:
    repository.add_event(session, RunEvent(
        run_id=run.id, trace_id=trace_id, type=entry_type.value, time=time, data=entry, source_event_id=event_id
    ))


async def _join_trace(session: AsyncSession, run: Run, trace_id: str) -> None:
    """Make ``trace_id`` the run's trace and adopt the calls parked for it."""
    if run.trace_id == trace_id:
        return
    run.trace_id = trace_id
    await repository.serialize_trace(session, trace_id)
    adopted = await repository.adopt_pending(session, trace_id, run.id)
    for event in adopted:
        _imply_start(run, event.time)


def _imply_start(run: Run, moment: datetime) -> None:
    if not run.start_reported and moment < run.started_at:
        run.started_at = moment


async def _refresh_usage(session: AsyncSession, run: Run) -> None:
    calls = await repository.events_of_type(session, run.id, TimelineType.LLM_CALL)
    usage = _sum_tokens(call.data.get("tokens", {}) for call in calls) if calls else _usage(run.reported_usage or {})
    run.prompt_tokens = usage["prompt_tokens"]
    run.completion_tokens = usage["completion_tokens"]
    run.total_tokens = usage["total_tokens"]


def _usage(reported: dict[str, int]) -> dict[str, int]:
    prompt = int(reported.get("prompt_tokens", 0))
    completion = int(reported.get("completion_tokens", 0))
    return {"prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": int(reported.get("total_tokens", prompt + completion))}


def _sum_tokens(tokens: Iterable[dict[str, int]]) -> dict[str, int]:
    total = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
    for one in tokens:
        for key, value in _usage(one).items():
            total[key] += value
    return total


async def get(session: AsyncSession, run_id: str) -> tuple[Run, Sequence[RunEvent]]:
    """A run and its timeline, ordered by event time then arrival."""
    found = await repository.get_with_timeline(session, run_id)
    if found is None:
        raise NotFound(f"no run with id {run_id!r}")
    return found


async def list_runs(
    session: AsyncSession, *, agent: str | None, status: RunStatus | None, limit: int, cursor: str | None
) -> tuple[Sequence[Run], str | None]:
    """One page of runs, newest first, and the cursor of the next page (None on the last)."""
    after = decode_cursor(cursor) if cursor else None
    # One extra row tells whether another page follows without a second query.
    rows = await repository.page(session, agent=agent, status=status.value if status else None,
                                 limit=limit + 1, after=after)
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1].started_at, items[-1].id) if len(rows) > limit else None
    return items, next_cursor
