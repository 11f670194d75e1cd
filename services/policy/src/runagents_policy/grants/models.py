from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from runagents_common.db.base import UtcDateTime, utcnow
from runagents_policy.db import Base


class ToolGrant(Base):
    """An agent may call a tool: the wiring of its latest deployment."""

    __tablename__ = "tool_grants"

    agent: Mapped[str] = mapped_column(String(63), primary_key=True)
    tool: Mapped[str] = mapped_column(String(63), primary_key=True)
    deployment_id: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
