from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from runagents_common.db.base import UtcDateTime, utcnow
from runagents_policy.db import Base


class Tool(Base):
    """A registered tool: an HTTP API agents may call through the egress layer."""

    __tablename__ = "tools"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    base_url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str] = mapped_column(Text(), default="")
    capabilities: Mapped[list[dict[str, Any]]] = mapped_column(JSON(), default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    created_by: Mapped[str | None] = mapped_column(Text(), default=None, doc="The principal label")
    updated_by: Mapped[str | None] = mapped_column(Text(), default=None)
