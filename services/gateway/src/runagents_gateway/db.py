from sqlalchemy.orm import DeclarativeBase

from runagents_common.db import create_metadata
from runagents_common.db.inbox import ProcessedEventMixin
from runagents_common.db.outbox import OutboxMessageMixin


class Base(DeclarativeBase):
    metadata = create_metadata()


class OutboxMessage(OutboxMessageMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass
