from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from runagents_common.db.base import UtcDateTime
from runagents_policy.db import Base


class AuditEntry(Base):
    """One change made through the platform's API: who (principal, role), what (action, resource), when."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_at_id", "at", "id"),
        Index("ix_audit_entries_resource", "resource_type", "resource"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True, doc="The id of the event that recorded it")
    service: Mapped[str] = mapped_column(String(32), doc="The service whose API made the change")
    principal_id: Mapped[str] = mapped_column(String(300), index=True)
    principal_name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(100))
    resource_type: Mapped[str] = mapped_column(String(100))
    resource: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text(), default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    trace_id: Mapped[str | None] = mapped_column(String(32), default=None)
