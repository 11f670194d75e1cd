from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from runagents_common.db.base import UtcDateTime
from runagents_deployer.db import Base


class IdentityProvider(Base):
    """The deployer's copy of an identity provider registered with the policy service (from its events):
    whose tokens open an agent with authenticated access.

    A removed provider stays as a tombstone (``removed``), so that an older event delivered late
    cannot bring it back.
    """

    __tablename__ = "identity_providers"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(2048))
    audiences: Mapped[list[str]] = mapped_column(JSON())
    jwks_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    jwks: Mapped[dict[str, Any] | None] = mapped_column(JSON(), default=None)
    algorithms: Mapped[list[str]] = mapped_column(JSON())
    user_claim: Mapped[str] = mapped_column(Text())
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    """When the policy service made the change this row reflects."""
    removed: Mapped[bool] = mapped_column(default=False)
