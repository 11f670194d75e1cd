from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.auth import READERS
from runagents_common.service import component, unit_of_work
from runagents_runs.runs import service
from runagents_runs.runs.models import RunStatus
from runagents_runs.runs.schemas import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, RunDetail, RunList, RunSummary

SessionDep = Annotated[AsyncSession, unit_of_work("runs")]
router = APIRouter(prefix="/api/v1/runs", tags=["runs"])


@router.get("", dependencies=READERS, response_model=RunList)
async def list_runs(
    session: SessionDep,
    agent: Annotated[str | None, Query(description="Only the runs of this agent")] = None,
    status: Annotated[RunStatus | None, Query(description="Only runs in this status")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> RunList:
    runs, next_cursor = await service.list_runs(session, agent=agent, status=status, limit=limit, cursor=cursor)
    return RunList(items=[RunSummary.of(run) for run in runs], next_cursor=next_cursor)


@router.get("/{run_id}", dependencies=READERS,
            response_model=RunDetail, responses={404: {"description": "No such run. A run id an invoke "
            "just returned is never 404: its run is waited for while its first event is on its way."}})
async def get_run(run_id: str, request: Request) -> RunDetail:
    runs = component(request, "runs")
    context: service.RunsContext = runs.context
    run, events = await service.get_announced(runs.database, context.ingested, run_id,
                                              context.announced_wait_seconds)
    return RunDetail.with_timeline(run, list(events))
