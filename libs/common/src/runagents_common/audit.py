"""The audit trail's writing side: each change made through the API records who made it, in the change's own
unit of work (the policy service keeps the entries and serves them at /api/v1/audit)."""

from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.auth.principals import Principal
from runagents_common.db.base import utcnow
from runagents_common.db.outbox import Outbox
from runagents_common.events.catalog import CHANGE_RECORDED, Service
from runagents_common.events.envelope import Envelope
from runagents_common.telemetry import current_trace_id

MAX_SUMMARY_CHARS = 2000


def record_change(session: AsyncSession, outbox: Outbox, principal: Principal, *, action: str, resource_type: str,
                  resource: str, summary: str = "") -> Envelope:
    """Record that ``principal`` did ``action`` to ``resource``, as the outbox's service's audit event.

    The event is written through ``outbox`` in ``session``'s transaction: it leaves only if the change commits.
    ``summary`` is plain words for a person and must hold no secret (name an API key by its prefix only).
    """
    service = _service_of(outbox)
    event = CHANGE_RECORDED[service](
        principal_id=principal.id, principal_name=principal.name, role=principal.role.value, action=action,
        resource_type=resource_type, resource=resource, summary=summary[:MAX_SUMMARY_CHARS], at=utcnow(),
        trace_id=current_trace_id(),
    )
    return outbox.add(session, event, subject=f"{resource_type}/{resource}")


def _service_of(outbox: Outbox) -> Service:
    for service in Service:
        if service.source == outbox.source:
            return service
    raise ValueError(f"no service emits events as {outbox.source!r}")


__all__ = ["MAX_SUMMARY_CHARS", "record_change"]
