"""How the events of runs merge into their rows and timelines, whatever order they arrive in,
many events per unit of work.

Rules: the first event of a run creates its row (running). run.started owns agent, user, trace,
message and the start time; until it arrives the start is the earliest time the other events
imply. run.completed owns the end, the outcome and how many calls the run made; a late
run.started never reverts it. Usage is the sum of the recorded model calls, or what run.completed
reported when none were recorded. Calls that name only a trace join the latest run of that trace,
or wait parked until one exists. Each event reaches this module once: the consumer's inbox
(processed_events) hands a batch over without the events it already processed.

A batch costs a fixed number of statements, whatever its size: lock the traces it names, find the
runs of trace-only calls, create the missing runs, lock them all, adopt parked calls, insert the
timeline entries, update the runs.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.events import EventData
from runagents_common.events.catalog import (
    LlmCallCompleted,
    LlmCallsCompleted,
    RunCompleted,
    RunStarted,
    ToolCallCompleted,
)
from runagents_common.events.envelope import Envelope
from runagents_runs.runs import repository
from runagents_runs.runs.models import END_POSITION, UNNUMBERED_CALL_POSITION, RunStatus, TimelineType
from runagents_runs.runs.repository import RunState

log = logging.getLogger("runagents.runs")


@dataclass(frozen=True)
class _Fact:
    """One timeline entry to be, with what it says about its run."""

    event_id: str
    data: RunStarted | RunCompleted | LlmCallCompleted | ToolCallCompleted

    @property
    def run_id(self) -> str | None:
        return self.data.run_id

    @property
    def trace_id(self) -> str | None:
        return getattr(self.data, "trace_id", None)


def facts_of(events: Sequence[tuple[Envelope, EventData]]) -> list[_Fact]:
    """The timeline entries a batch of events makes, in delivery order (a gateway batch is one per call)."""
    facts: list[_Fact] = []
    for envelope, data in events:
        if isinstance(data, LlmCallsCompleted):
            facts.extend(_Fact(f"{envelope.id}.{index}", call) for index, call in enumerate(data.calls))
        elif isinstance(data, RunStarted | RunCompleted | LlmCallCompleted | ToolCallCompleted):
            facts.append(_Fact(envelope.id, data))
        else:
            raise TypeError(f"the runs service does not ingest {type(data).__name__}")
    return facts


async def ingest(session: AsyncSession, events: Sequence[tuple[Envelope, EventData]]) -> None:
    """Merge a batch of events into runs and timelines, in one unit of work."""
    facts = facts_of(events)
    traces = sorted({fact.trace_id for fact in facts if fact.trace_id})
    # Parking a call for a trace and adopting a trace's parked calls must not interleave.
    await repository.serialize_traces(session, traces)

    run_of_trace = await _runs_of_traces(session, facts)
    placed: list[tuple[_Fact, str | None]] = []
    for fact in facts:
        run_id = fact.run_id
        if run_id is None and fact.trace_id is not None:
            run_id = run_of_trace.get(fact.trace_id)
        if run_id is None and fact.trace_id is None:
            # Nothing ties it to a run (a call made outside an invoke); it has no timeline to join.
            log.info("%s names neither a run nor a trace; not recorded", fact.event_id,
                     extra={"event_id": fact.event_id, "agent": getattr(fact.data, "agent", None)})
            continue
        placed.append((fact, run_id))

    first_seen: dict[str, datetime] = {}
    for fact, run_id in placed:
        if run_id is not None:
            moment = _implied_start(fact)
            first_seen[run_id] = min(first_seen.get(run_id, moment), moment)
    runs = await repository.lock_or_create_many(session, first_seen)

    rows: list[dict[str, Any]] = []
    joined: dict[str, RunState] = {}
    for fact, run_id in placed:
        run = runs[run_id] if run_id is not None else None
        rows.append(_entry(fact, run))
        if run is None:
            continue
        previous_trace = run.trace_id
        _merge(run, fact)
        if run.trace_id is not None and run.trace_id != previous_trace:
            joined[run.trace_id] = run

    if joined:
        for event in await repository.adopt_pending(session, {trace: run.id for trace, run in joined.items()}):
            run = joined[event["trace_id"]]
            _imply_start(run, event["time"])
            _count_call(run, event["type"], event["data"])
        for row in rows:  # calls of this batch parked for a trace a run of this batch joined
            if row["run_id"] is None and row["trace_id"] in joined:
                run = joined[row["trace_id"]]
                row["run_id"] = run.id
                _imply_start(run, row["time"])
                _count_call(run, row["type"], row["data"])
    await repository.insert_events(session, rows)
    await repository.save_runs(session, runs.values())


async def _runs_of_traces(session: AsyncSession, facts: list[_Fact]) -> dict[str, str]:
    """The run each trace-only call joins: the latest run of its trace, as known with this batch."""
    wanted = {fact.trace_id for fact in facts if fact.run_id is None and fact.trace_id}
    if not wanted:
        return {}
    latest = await repository.latest_runs_of(session, wanted)
    for fact in facts:
        if isinstance(fact.data, RunStarted) and fact.data.trace_id in wanted:
            candidate = (fact.data.started_at, fact.data.run_id)
            if fact.data.trace_id not in latest or candidate > latest[fact.data.trace_id]:
                latest[fact.data.trace_id] = candidate
    return {trace: run_id for trace, (_, run_id) in latest.items()}


def _implied_start(fact: _Fact) -> datetime:
    data = fact.data
    if isinstance(data, RunStarted):
        return data.started_at
    if isinstance(data, RunCompleted):
        return data.ended_at - timedelta(milliseconds=data.duration_ms)
    return data.at


def _merge(run: RunState, fact: _Fact) -> None:
    data = fact.data
    if isinstance(data, RunStarted):
        run.agent = data.agent
        run.user = data.user
        run.message = data.message
        run.started_at = data.started_at
        run.start_reported = True
        run.trace_id = data.trace_id
        return
    if isinstance(data, RunCompleted):
        _imply_start(run, _implied_start(fact))
        run.agent = run.agent or data.agent
        run.status = RunStatus(data.status).value
        run.ended_at = data.ended_at
        run.duration_ms = data.duration_ms
        run.response = data.response
        run.model = data.model or run.model
        run.error = data.error
        run.reported_usage = dict(data.usage)
        run.expected_llm_calls = data.llm_calls
        run.expected_tool_calls = data.tool_calls
        run.expected_other_calls = data.other_calls
        return
    run.agent = run.agent or data.agent
    _imply_start(run, data.at)
    if run.trace_id is None and data.trace_id is not None:
        run.trace_id = data.trace_id
    entry_type = TimelineType.LLM_CALL if isinstance(data, LlmCallCompleted) else TimelineType.TOOL_CALL
    _count_call(run, entry_type.value, _call_data(data))
    if isinstance(data, LlmCallCompleted):
        run.model = run.model or data.model


def _count_call(run: RunState, entry_type: str, entry: dict[str, Any]) -> None:
    if entry_type == TimelineType.LLM_CALL.value:
        run.llm_calls_seen += 1
        tokens = entry.get("tokens") or {}
        prompt, completion = int(tokens.get("prompt_tokens", 0)), int(tokens.get("completion_tokens", 0))
        run.prompt_tokens += prompt
        run.completion_tokens += completion
        run.total_tokens += int(tokens.get("total_tokens", prompt + completion))
    elif entry_type == TimelineType.TOOL_CALL.value:
        run.tool_calls_seen += 1


def _imply_start(run: RunState, moment: datetime) -> None:
    if not run.start_reported and moment < run.started_at:
        run.started_at = moment


def _entry(fact: _Fact, run: RunState | None) -> dict[str, Any]:
    """The run_events row of a fact; ``run`` None parks it under its trace."""
    data = fact.data
    row: dict[str, Any] = {"run_id": run.id if run is not None else None, "source_event_id": fact.event_id,
                           "trace_id": fact.trace_id, "seq": None}
    if isinstance(data, RunStarted):
        row.update(type=TimelineType.RUN_STARTED.value, time=data.started_at, position=0,
                   data={"message": data.message, "user": data.user})
    elif isinstance(data, RunCompleted):
        row.update(time=data.ended_at, position=END_POSITION, trace_id=None)
        if data.status == "succeeded":
            entry: dict[str, Any] = {"response": data.response, "tool_calls_made": data.tool_calls_made,
                                     "usage": _usage(data.usage), "duration_ms": data.duration_ms}
            if data.llm_calls is not None or data.tool_calls is not None or data.other_calls is not None:
                entry["calls"] = {"llm": data.llm_calls, "tool": data.tool_calls, "other": data.other_calls}
            row.update(type=TimelineType.RUN_COMPLETED.value, data=entry)
        else:
            row.update(type=TimelineType.RUN_FAILED.value, data={"error": data.error, "duration_ms": data.duration_ms})
    else:
        entry_type = TimelineType.LLM_CALL if isinstance(data, LlmCallCompleted) else TimelineType.TOOL_CALL
        row.update(type=entry_type.value, time=data.at, seq=data.seq,
                   position=data.seq if data.seq is not None else UNNUMBERED_CALL_POSITION, data=_call_data(data))
    return row


def _call_data(data: LlmCallCompleted | ToolCallCompleted) -> dict[str, Any]:
    if isinstance(data, LlmCallCompleted):
        tokens = {"prompt_tokens": data.prompt_tokens, "completion_tokens": data.completion_tokens,
                  "total_tokens": data.prompt_tokens + data.completion_tokens}
        return {"provider": data.provider, "model": data.model, "status": data.status, "tokens": tokens,
                "latency_ms": data.latency_ms, "finish_reason": data.finish_reason, "tool_calls": data.tool_calls}
    return {"tool": data.tool, "method": data.method, "path": data.path, "decision": data.decision,
            "status": data.status, "latency_ms": data.latency_ms}


def _usage(reported: dict[str, int]) -> dict[str, int]:
    prompt = int(reported.get("prompt_tokens", 0))
    completion = int(reported.get("completion_tokens", 0))
    return {"prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": int(reported.get("total_tokens", prompt + completion))}
