from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from runagents_common.db.base import UtcDateTime, utcnow
from runagents_policy.db import Base


class IdentityProvider(Base):
    """A registered identity provider: whose JWTs an agent with authenticated access accepts."""

    __tablename__ = "identity_providers"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(2048))
    audiences: Mapped[list[str]] = mapped_column(JSON())
    jwks_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    jwks: Mapped[dict[str, Any] | None] = mapped_column(JSON(), default=None)
    algorithms: Mapped[list[str]] = mapped_column(JSON())
    user_claim: Mapped[str] = mapped_column(Text(), default="sub")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(Text(), default=None, doc="The principal's label")
    updated_by: Mapped[str | None] = mapped_column(Text(), default=None)


class IdentityProviderUse(Base):
    """An agent's latest deployment trusts an identity provider (learnt from the deployer's events),
    so the provider is not deleted from under it."""

    __tablename__ = "identity_provider_uses"

    agent: Mapped[str] = mapped_column(String(63), primary_key=True)
    identity_provider: Mapped[str] = mapped_column(String(63), index=True)
    deployment_id: Mapped[str] = mapped_column(String(64))
