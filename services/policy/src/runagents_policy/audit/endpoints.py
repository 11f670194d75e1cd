from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.auth import READERS
from runagents_common.service import unit_of_work
from runagents_policy.audit import service
from runagents_policy.audit.repository import AuditFilter
from runagents_policy.audit.schemas import AuditEntryOut, AuditList

SessionDep = Annotated[AsyncSession, unit_of_work("policy")]
router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


@router.get("", dependencies=READERS, response_model=AuditList,
            summary="Who changed what, newest first (changes reach the list moments after they commit)")
async def list_audit_entries(
    session: SessionDep,
    resource_type: Annotated[str | None, Query(description="`tool`, `agent`, `model_provider`, ...")] = None,
    resource: Annotated[str | None, Query(description="A resource's name or id")] = None,
    principal: Annotated[str | None, Query(description="A principal's id (`key:<prefix>`) or name")] = None,
    action: Annotated[str | None, Query(description="`tool.registered`, `agent.deleted`, ...")] = None,
    since: Annotated[datetime | None, Query(description="Changes at or after this time")] = None,
    before: Annotated[datetime | None, Query(description="Changes before this time")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> AuditList:
    found = AuditFilter(resource_type=resource_type, resource=resource, principal=principal, action=action,
                        since=_utc(since), before=_utc(before))
    entries, next_cursor = await service.list_entries(session, found, limit=limit, cursor=cursor)
    return AuditList(items=[AuditEntryOut.model_validate(entry) for entry in entries], next_cursor=next_cursor)


def _utc(moment: datetime | None) -> datetime | None:
    """A time given without an offset is read as UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment
