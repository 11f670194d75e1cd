"""The audit trail's store: every service's audit events become entries."""

from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.events import EventData
from runagents_common.events.catalog import CHANGE_RECORDED, ChangeRecorded
from runagents_common.events.envelope import Envelope
from runagents_policy.audit import service


async def on_change_recorded(session: AsyncSession, envelope: Envelope, data: EventData) -> None:
    assert isinstance(data, ChangeRecorded)
    await service.store(session, envelope, data)


HANDLERS = {model.event_type: on_change_recorded for model in CHANGE_RECORDED.values()}
