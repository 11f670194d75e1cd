from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_policy.audit.models import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    resource_type: str | None = None
    resource: str | None = None
    principal: str | None = None
    """A principal's id (``key:<prefix>``, ``user:...``) or name."""
    action: str | None = None
    since: datetime | None = None
    before: datetime | None = None


async def add_once(session: AsyncSession, entry: AuditEntry) -> None:
    """Store ``entry`` unless an entry of its event is already stored (the inbox skips redeliveries; this is
    the second guard, e.g. an event recorded again by hand)."""
    if await session.get(AuditEntry, entry.id) is None:
        session.add(entry)


async def page(session: AsyncSession, found: AuditFilter, limit: int,
               after: tuple[datetime, str] | None) -> Sequence[AuditEntry]:
    """Entries newest first, starting after the keyset ``after`` (at, id)."""
    query = select(AuditEntry)
    if found.resource_type is not None:
        query = query.where(AuditEntry.resource_type == found.resource_type)
    if found.resource is not None:
        query = query.where(AuditEntry.resource == found.resource)
    if found.principal is not None:
        query = query.where(or_(AuditEntry.principal_id == found.principal,
                                AuditEntry.principal_name == found.principal))
    if found.action is not None:
        query = query.where(AuditEntry.action == found.action)
    if found.since is not None:
        query = query.where(AuditEntry.at >= found.since)
    if found.before is not None:
        query = query.where(AuditEntry.at < found.before)
    if after is not None:
        at, entry_id = after
        query = query.where(or_(AuditEntry.at < at, and_(AuditEntry.at == at, AuditEntry.id < entry_id)))
    return (await session.scalars(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))).all()
