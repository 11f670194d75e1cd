from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Insert, and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_runs.runs.models import Run, RunEvent, TimelineType


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _insert_ignoring_conflicts(session: AsyncSession, run_id: str, started_at: datetime) -> Insert:
    values = {"id": run_id, "started_at": started_at}
    if _dialect(session) == "postgresql":
        return postgresql.insert(Run).values(values).on_conflict_do_nothing(index_elements=["id"])
    return sqlite.insert(Run).values(values).on_conflict_do_nothing(index_elements=["id"])


async def lock_or_create(session: AsyncSession, run_id: str, started_at: datetime) -> Run:
    """The run ``run_id``, created (running, started at ``started_at``) if no event made it yet,
    and locked until the unit of work ends so that replicas merge into it one at a time."""
    await session.execute(_insert_ignoring_conflicts(session, run_id, started_at))
    run = await session.scalar(
        select(Run).where(Run.id == run_id).with_for_update().execution_options(populate_existing=True)
    )
    assert run is not None, "the row was just inserted or already there"
    return run


async def lock_by_trace(session: AsyncSession, trace_id: str) -> Run | None:
    """The latest run of the trace ``trace_id``, locked, if one is known."""
    return await session.scalar(
        select(Run)
        .where(Run.trace_id == trace_id)
        .order_by(Run.started_at.desc(), Run.id.desc())
        .limit(1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def serialize_trace(session: AsyncSession, trace_id: str) -> None:
    """Hold a lock on ``trace_id`` until the unit of work ends (Postgres).

    Parking an event for a trace and adopting a trace's parked events must not interleave, or
    a parked event could miss the run committed next to it. SQLite writers are serialised anyway.
    """
    if _dialect(session) == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext("runs.trace:" + trace_id))))


def add_event(session: AsyncSession, event: RunEvent) -> None:
    session.add(event)


async def adopt_pending(session: AsyncSession, trace_id: str, run_id: str) -> Sequence[RunEvent]:
    """Attach the events parked for ``trace_id`` to ``run_id``; returns them."""
    pending = (
        await session.scalars(select(RunEvent).where(RunEvent.trace_id == trace_id, RunEvent.run_id.is_(None)))
    ).all()
    for event in pending:
        event.run_id = run_id
    return pending


async def events_of_type(session: AsyncSession, run_id: str, *types: TimelineType) -> Sequence[RunEvent]:
    return (
        await session.scalars(
            select(RunEvent).where(RunEvent.run_id == run_id, RunEvent.type.in_([t.value for t in types]))
            .order_by(RunEvent.time, RunEvent.id)
        )
    ).all()


async def get_with_timeline(session: AsyncSession, run_id: str) -> tuple[Run, list[RunEvent]] | None:
    """A run and its timeline (event time, then arrival), read in one statement so that both
    come from the same snapshot while consumers keep merging into the run."""
    rows = (
        await session.execute(
            select(Run, RunEvent)
            .outerjoin(RunEvent, RunEvent.run_id == Run.id)
            .where(Run.id == run_id)
            .order_by(RunEvent.time, RunEvent.id)
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
