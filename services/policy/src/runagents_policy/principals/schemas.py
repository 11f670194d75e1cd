from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from runagents_common.auth import Role

GRANTABLE_ROLES = (Role.ADMIN, Role.OPERATOR, Role.APPROVER, Role.VIEWER)


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="What the key is for (a script, a CI job, a person).")
    role: Role = Field(description="admin, operator, approver or viewer.")
    expires_at: datetime | None = Field(default=None, description="When it stops working; never when unset.")


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    prefix: str = Field(description="Names the key: its first characters, as in `ra_<prefix>_...`.")
    name: str
    role: Role
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None
    last_used_at: datetime | None
    state: str = Field(description="active, expired or revoked.")


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The key itself, shown this once: the platform keeps only its digest.")


class ApiKeyList(BaseModel):
    items: list[ApiKeyOut]


class Me(BaseModel):
    id: str
    kind: str
    name: str
    role: Role
    session: bool
    csrf_token: str | None = Field(default=None, description="What a cookie-authenticated change sends in the "
                                   "X-CSRF-Token header (signed in with a session only).")
