from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from runagents_common.db.base import UtcDateTime, utcnow
from runagents_deployer.db import Base


class Agent(Base):
    """A deployed agent: its wiring, and where its current deployment stands."""

    __tablename__ = "agents"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="Pending")
    message: Mapped[str] = mapped_column(Text(), default="")
    phase: Mapped[str] = mapped_column(String(32), default="queued")
    progress: Mapped[int] = mapped_column(default=0)
    analysis_id: Mapped[str | None] = mapped_column(String(64), default=None)
    image: Mapped[str | None] = mapped_column(Text(), default=None)
    tools: Mapped[dict[str, str]] = mapped_column(JSON(), default=dict)
    models: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON(), default=dict)
    """Role -> {provider, model, fallback?: {provider, model}}."""
    llm_limits: Mapped[dict[str, int]] = mapped_column(JSON(), default=dict)
    system_prompt: Mapped[str] = mapped_column(Text(), default="")
    access: Mapped[dict[str, Any]] = mapped_column(JSON(), default=dict)
    tier: Mapped[str] = mapped_column(String(16), default="platform")
    entry_point: Mapped[str | None] = mapped_column(Text(), default=None)
    deployment_id: Mapped[str] = mapped_column(String(64))
    """The agent's current deployment: the one serving when Running, else the one starting or failed."""
    next_deployment_id: Mapped[str | None] = mapped_column(String(64), default=None)
    """A redeploy under way while the current deployment keeps serving; it replaces it once Running."""
    endpoint: Mapped[str | None] = mapped_column(Text(), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    created_by: Mapped[str | None] = mapped_column(Text(), default=None, doc="The principal label")
    updated_by: Mapped[str | None] = mapped_column(Text(), default=None, doc="Who deployed it last")


class Deployment(Base):
    """One deployment of an agent: the artifact it runs and how starting it went."""

    __tablename__ = "deployments"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent: Mapped[str] = mapped_column(ForeignKey("agents.name", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="building")
    artifact_kind: Mapped[str | None] = mapped_column(String(16), default=None)
    artifact_ref: Mapped[str | None] = mapped_column(Text(), default=None)
    source_dir: Mapped[str | None] = mapped_column(Text(), default=None)
    error: Mapped[str | None] = mapped_column(Text(), default=None)
    analysis_id: Mapped[str | None] = mapped_column(String(64), default=None)
    image: Mapped[str | None] = mapped_column(Text(), default=None)
    entry_point: Mapped[str | None] = mapped_column(Text(), default=None)
    entry_adapter: Mapped[str | None] = mapped_column(String(32), default=None)
    entry_target: Mapped[str | None] = mapped_column(Text(), default=None)
    entry_module: Mapped[str | None] = mapped_column(Text(), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


ACTIVE_DEPLOYMENT_STATES = ("built", "starting", "running")
ENDED_DEPLOYMENT_STATES = ("failed", "stopped", "superseded")
"""stopped: replaced by a newer deployment that runs; superseded: replaced before it ran."""
