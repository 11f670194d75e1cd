from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from runagents_common.db.base import UtcDateTime, utcnow
from runagents_policy.db import Base


class ApiKey(Base):
    """An API key: its prefix (which names it), the digest of the whole key (the key itself is shown once and
    never kept), its role and life."""

    __tablename__ = "api_keys"

    prefix: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(Text())
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(Text(), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class SignInSession(Base):
    """A person's (or a pasted key's) sign-in session; the cookie holds a token whose digest is the id."""

    __tablename__ = "sign_in_sessions"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    principal_id: Mapped[str] = mapped_column(Text())
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text())
    role: Mapped[str] = mapped_column(String(16))
    api_key_prefix: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """Set when the session was opened with an API key: it ends when that key is revoked or expires."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
