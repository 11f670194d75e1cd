from sqlalchemy.orm import DeclarativeBase

from runagents_common.db import create_metadata
from runagents_common.db.messaging import messaging_tables


class Base(DeclarativeBase):
    metadata = create_metadata()


OutboxMessage, ProcessedEvent = messaging_tables(Base)
