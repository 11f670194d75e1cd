from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from runagents_common.db.base import UtcDateTime, utcnow
from runagents_gateway.db import Base


class ModelProvider(Base):
    """A registered model provider: where the gateway sends calls for the models it serves."""

    __tablename__ = "model_providers"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    base_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    encrypted_api_key: Mapped[str | None] = mapped_column(Text(), default=None)
    models: Mapped[list[dict[str, Any]]] = mapped_column(JSON(), default=list)
    timeout_seconds: Mapped[float | None] = mapped_column(Float(), default=None)
    max_retries: Mapped[int | None] = mapped_column(Integer(), default=None)
    api_version: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    created_by: Mapped[str | None] = mapped_column(Text(), default=None, doc="The principal label")
    updated_by: Mapped[str | None] = mapped_column(Text(), default=None)
