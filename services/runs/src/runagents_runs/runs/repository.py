import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Insert, Table, and_, bindparam, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.db.base import utcnow
from runagents_runs.runs.models import Run, RunEvent, RunStatus

RUNS = cast(Table, Run.__table__)
"""The runs table, as Core statements take it (the ORM types ``__table__`` as any ``FromClause``)."""
RUN_EVENTS = cast(Table, RunEvent.__table__)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _insert_ignoring_conflicts(session: AsyncSession) -> Insert:
    table = RUNS
    if _dialect(session) == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=["id"])
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=["id"])


@dataclass
class RunState:
    """The columns of a run that events change, read and written without the ORM (a batch merges
    into a hundred runs at a time; ORM objects would cost more than the statements)."""

    id: str
    agent: str | None
    user: str | None
    trace_id: str | None
    status: str
    started_at: datetime
    start_reported: bool
    ended_at: datetime | None
    duration_ms: int | None
    message: str | None
    response: str | None
    model: str | None
    error: str | None
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    reported_usage: dict[str, int] | None
    llm_calls_seen: int
    tool_calls_seen: int
    expected_llm_calls: int | None
    expected_tool_calls: int | None
    expected_other_calls: int | None


_STATE_COLUMNS = [f.name for f in fields(RunState)]


async def lock_or_create_many(session: AsyncSession, first_seen: Mapping[str, datetime]) -> dict[str, RunState]:
    """The runs ``first_seen`` names, each created (running, started at the time given) if no event
    made it yet, and locked until the unit of work ends so that replicas merge into them one at a time.

    Two statements whatever the number of runs; locks are taken in id order, so two units of work
    locking overlapping sets wait for each other instead of deadlocking.
    """
    if not first_seen:
        return {}
    ids = sorted(first_seen)
    if _dialect(session) == "postgresql":
        # Columns as arrays: a statement whose parameters do not grow with the batch (the driver's
        # per-row work is what an executemany costs here).
        await session.execute(text(
            "INSERT INTO runs (id, started_at, status, start_reported, prompt_tokens, completion_tokens, total_tokens,"
            " llm_calls_seen, tool_calls_seen, updated_at)"
            " SELECT u.id, u.started_at, :running, false, 0, 0, 0, 0, 0, now()"
            " FROM unnest(CAST(:ids AS text[]), CAST(:starts AS timestamptz[])) AS u(id, started_at)"
            " ON CONFLICT (id) DO NOTHING"
        ), {"ids": ids, "starts": [first_seen[run_id] for run_id in ids], "running": RunStatus.RUNNING.value})
    else:
        now = utcnow()
        await session.execute(_insert_ignoring_conflicts(session), [
            {"id": run_id, "started_at": first_seen[run_id], "status": RunStatus.RUNNING.value,
             "start_reported": False, "prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0,
             "llm_calls_seen": 0, "tool_calls_seen": 0, "updated_at": now}
            for run_id in ids
        ])
    table = RUNS
    rows = (await session.execute(
        select(*(table.c[name] for name in _STATE_COLUMNS)).where(table.c.id.in_(ids)).order_by(table.c.id)
        .with_for_update()
    )).all()
    found = {row.id: RunState(*row) for row in rows}
    assert len(found) == len(ids), "every row was just inserted or already there"
    return found


_PG_ARRAY_TYPES = {
    "id": "text", "agent": "text", "user": "text", "trace_id": "text", "status": "text",
    "started_at": "timestamptz", "start_reported": "boolean", "ended_at": "timestamptz", "duration_ms": "integer",
    "message": "text", "response": "text", "model": "text", "error": "text", "prompt_tokens": "integer",
    "completion_tokens": "integer", "total_tokens": "integer", "reported_usage": "text",
    "llm_calls_seen": "integer", "tool_calls_seen": "integer", "expected_llm_calls": "integer",
    "expected_tool_calls": "integer", "expected_other_calls": "integer",
}
_PG_SAVE_RUNS = text(
    "UPDATE runs SET "
    + ", ".join(f'"{name}" = ' + ("CAST(u.reported_usage AS json)" if name == "reported_usage" else f"u.c_{name}")
                for name in _STATE_COLUMNS[1:])
    + ", updated_at = now() FROM unnest("
    + ", ".join(f"CAST(:{name} AS {_PG_ARRAY_TYPES[name]}[])" for name in _STATE_COLUMNS)
    + ") AS u(" + ", ".join("reported_usage" if name == "reported_usage" else f"c_{name}" for name in _STATE_COLUMNS)
    + ") WHERE runs.id = u.c_id"
)


async def save_runs(session: AsyncSession, runs: Iterable[RunState]) -> None:
    """Write the runs back, one statement for all of them."""
    if _dialect(session) == "postgresql":
        columns: dict[str, list[Any]] = {name: [] for name in _STATE_COLUMNS}
        for run in runs:
            for name in _STATE_COLUMNS:
                value = getattr(run, name)
                columns[name].append(json.dumps(value) if name == "reported_usage" and value is not None else value)
        if columns["id"]:
            await session.execute(_PG_SAVE_RUNS, columns)
        return
    table = RUNS
    now = utcnow()
    params = [{**{f"new_{name}": getattr(run, name) for name in _STATE_COLUMNS}, "new_updated_at": now}
              for run in runs]
    if not params:
        return
    statement = (
        update(table)
        .where(table.c.id == bindparam("new_id"))
        .values({name: bindparam(f"new_{name}") for name in [*_STATE_COLUMNS[1:], "updated_at"]})
    )
    await session.execute(statement, params)


async def latest_runs_of(session: AsyncSession, trace_ids: Iterable[str]) -> dict[str, tuple[datetime, str]]:
    """(started_at, id) of the latest known run of each trace that has one."""
    rows = (await session.execute(
        select(Run.trace_id, Run.started_at, Run.id).where(Run.trace_id.in_(list(trace_ids)))
    )).all()
    latest: dict[str, tuple[datetime, str]] = {}
    for trace_id, started_at, run_id in rows:
        if trace_id is not None and (trace_id not in latest or (started_at, run_id) > latest[trace_id]):
            latest[trace_id] = (started_at, run_id)
    return latest


async def serialize_traces(session: AsyncSession, trace_ids: Sequence[str]) -> None:
    """Hold a lock on each of ``trace_ids`` (sorted) until the unit of work ends (Postgres).

    Parking an event for a trace and adopting a trace's parked events must not interleave, or
    a parked event could miss the run committed next to it. SQLite writers are serialised anyway.
    """
    if not trace_ids or _dialect(session) != "postgresql":
        return
    await session.execute(
        text("SELECT count(pg_advisory_xact_lock(hashtext(k))) FROM "
             "(SELECT unnest(CAST(:keys AS text[])) AS k ORDER BY k) AS traces"),
        {"keys": ["runs.trace:" + trace for trace in sorted(trace_ids)]},
    )


async def adopt_pending(session: AsyncSession, run_of_trace: Mapping[str, str]) -> list[dict[str, Any]]:
    """Attach the events parked for each trace of ``run_of_trace`` to its run; returns them
    (trace_id, type, time, data). Nothing is read when nothing is parked but the index probe."""
    table = RUN_EVENTS
    pending = (await session.execute(
        select(table.c.id, table.c.trace_id, table.c.type, table.c.time, table.c.data)
        .where(table.c.trace_id.in_(list(run_of_trace)), table.c.run_id.is_(None))
    )).mappings().all()
    if pending:
        await session.execute(
            update(table).where(table.c.id == bindparam("event_id")).values(run_id=bindparam("new_run_id")),
            [{"event_id": event["id"], "new_run_id": run_of_trace[event["trace_id"]]} for event in pending],
        )
    return [dict(event) for event in pending]


_EVENT_COLUMNS = {"run_id": "text", "trace_id": "text", "type": "text", "time": "timestamptz", "seq": "bigint",
                  "position": "bigint", "data": "text", "source_event_id": "text"}
_PG_INSERT_EVENTS = text(
    "INSERT INTO run_events (" + ", ".join(_EVENT_COLUMNS) + ", received_at) SELECT "
    + ", ".join("CAST(u.data AS json)" if name == "data" else f"u.{name}" for name in _EVENT_COLUMNS)
    + ", now() FROM unnest(" + ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in _EVENT_COLUMNS.items())
    + ") AS u(" + ", ".join(_EVENT_COLUMNS) + ")"
)


async def insert_events(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Add timeline entries, one statement for all of them."""
    if not rows:
        return
    if _dialect(session) == "postgresql":
        columns = {name: [json.dumps(row[name]) if name == "data" else row[name] for row in rows]
                   for name in _EVENT_COLUMNS}
        await session.execute(_PG_INSERT_EVENTS, columns)
        return
    now = utcnow()
    await session.execute(insert(RUN_EVENTS), [{**row, "received_at": now} for row in rows])


async def get_with_timeline(session: AsyncSession, run_id: str) -> tuple[Run, list[RunEvent]] | None:
    """A run and its timeline in causal order (position, then the time each thing happened),
    read in one statement so that both come from the same snapshot while consumers keep merging."""
    rows = (
        await session.execute(
            select(Run, RunEvent)
            .outerjoin(RunEvent, RunEvent.run_id == Run.id)
            .where(Run.id == run_id)
            .order_by(RunEvent.position, RunEvent.time, RunEvent.id)
        )
    ).all()
    if not rows:
        return None
    return rows[0][0], [event for _, event in rows if event is not None]


async def page(
    session: AsyncSession,
    *,
    agent: str | None,
    status: str | None,
    limit: int,
    after: tuple[datetime, str] | None,
) -> Sequence[Run]:
    """Runs newest first, starting after the keyset ``after`` (started_at, id)."""
    query = select(Run)
    if agent is not None:
        query = query.where(Run.agent == agent)
    if status is not None:
        query = query.where(Run.status == status)
    if after is not None:
        started_at, run_id = after
        query = query.where(or_(Run.started_at < started_at, and_(Run.started_at == started_at, Run.id < run_id)))
    return (await session.scalars(query.order_by(Run.started_at.desc(), Run.id.desc()).limit(limit))).all()
