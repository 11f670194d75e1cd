from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from runagents_builder.db import Base
from runagents_common.db.base import UtcDateTime, utcnow


class Build(Base):
    """One build of an agent's deployment (its id is the deployment id)."""

    __tablename__ = "builds"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent: Mapped[str] = mapped_column(String(63), index=True)
    analysis_id: Mapped[str] = mapped_column(String(64))
    packages: Mapped[list[str]] = mapped_column(JSON(), default=list)
    install_plan: Mapped[dict[str, Any] | None] = mapped_column(JSON(), default=None)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    phase: Mapped[str | None] = mapped_column(String(32), default=None)
    progress: Mapped[int] = mapped_column(default=0)
    artifact_kind: Mapped[str | None] = mapped_column(String(16), default=None)
    artifact_ref: Mapped[str | None] = mapped_column(Text(), default=None)
    source_dir: Mapped[str | None] = mapped_column(Text(), default=None)
    cached: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(Text(), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


UNFINISHED = ("queued", "running")
