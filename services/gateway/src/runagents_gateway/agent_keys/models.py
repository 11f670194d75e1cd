from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from runagents_common.db.base import UtcDateTime, utcnow
from runagents_gateway.db import Base


class AgentKey(Base):
    """The gateway key of one deployment of an agent, by its hash, and the models its wiring grants."""

    __tablename__ = "agent_keys"

    key_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent: Mapped[str] = mapped_column(String(63), index=True)
    deployment_id: Mapped[str] = mapped_column(String(64))
    models: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON(), default=dict)
    """Role -> {provider, model} as wired."""
    aliases: Mapped[dict[str, str]] = mapped_column(JSON(), default=dict)
    """Model name the agent's code asks for -> role."""
    fallbacks: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON(), default=dict)
    limits: Mapped[dict[str, Any]] = mapped_column(JSON(), default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
