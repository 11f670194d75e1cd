from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from runagents_analyzer.db import Base
from runagents_common.db.base import UtcDateTime, utcnow


class AnalysisStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


UNFINISHED = (AnalysisStatus.QUEUED, AnalysisStatus.RUNNING)


class Analysis(Base):
    """One analysis of one stored source: its progress, then its report or the reason it failed."""

    __tablename__ = "analyses"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True, default=AnalysisStatus.QUEUED)
    phase: Mapped[str | None] = mapped_column(String(32), default=None)
    progress: Mapped[int] = mapped_column(Integer(), default=0)
    source_digest: Mapped[str] = mapped_column(String(64), index=True)
    file_count: Mapped[int] = mapped_column(Integer())
    origin: Mapped[str] = mapped_column(String(100), doc="upload, archive or sample:<name>")
    skipped: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON(), default=list, doc="Uploaded files left out of the source (binary, ...), for the report"
    )
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON(), default=None)
    analyzer_version: Mapped[str | None] = mapped_column(String(64), default=None)
    error: Mapped[str | None] = mapped_column(Text(), default=None)
    attempts: Mapped[int] = mapped_column(Integer(), default=0, doc="Times a job started on it (resumes count)")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    created_by: Mapped[str | None] = mapped_column(Text(), default=None, doc="The uploader's principal label")
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
