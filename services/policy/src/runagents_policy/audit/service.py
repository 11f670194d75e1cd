from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.cursors import decode_cursor, encode_cursor
from runagents_common.events.catalog import ChangeRecorded
from runagents_common.events.envelope import Envelope
from runagents_policy.audit import repository
from runagents_policy.audit.models import AuditEntry
from runagents_policy.audit.repository import AuditFilter


async def store(session: AsyncSession, envelope: Envelope, change: ChangeRecorded) -> None:
    await repository.add_once(session, AuditEntry(
        id=envelope.id, service=change.owner.value,
        principal_id=change.principal_id, principal_name=change.principal_name, role=change.role,
        action=change.action, resource_type=change.resource_type, resource=change.resource, summary=change.summary,
        at=change.at, trace_id=change.trace_id,
    ))


async def list_entries(session: AsyncSession, found: AuditFilter, *, limit: int,
                       cursor: str | None) -> tuple[Sequence[AuditEntry], str | None]:
    """One page of entries, newest first, and the cursor of the next page (None on the last)."""
    after = decode_cursor(cursor) if cursor else None
    rows = await repository.page(session, found, limit + 1, after)
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1].at, items[-1].id) if len(rows) > limit else None
    return items, next_cursor
