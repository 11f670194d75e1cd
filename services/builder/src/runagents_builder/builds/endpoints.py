from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_builder.builds import repository
from runagents_builder.builds.schemas import BuildList, BuildOut
from runagents_common.auth import READERS
from runagents_common.errors import NotFound
from runagents_common.service import unit_of_work

SessionDep = Annotated[AsyncSession, unit_of_work("builder")]
router = APIRouter(prefix="/api/v1/builds", tags=["builds"])


@router.get("", dependencies=READERS, response_model=BuildList)
async def list_builds(session: SessionDep, agent: str | None = None,
                      limit: Annotated[int, Query(ge=1, le=200)] = 50) -> BuildList:
    return BuildList(items=[BuildOut.model_validate(b) for b in await repository.list_builds(session, agent, limit)])


@router.get("/{build_id}", dependencies=READERS, response_model=BuildOut)
async def get_build(build_id: str, session: SessionDep) -> BuildOut:
    build = await repository.get(session, build_id)
    if build is None:
        raise NotFound(f"no build {build_id!r}")
    return BuildOut.model_validate(build)
