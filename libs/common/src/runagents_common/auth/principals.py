"""Who calls the platform's API, and what each role may do there."""

from enum import StrEnum

from pydantic import BaseModel, Field


class Role(StrEnum):
    """A principal's role on the platform's API (an agent's own credentials have none)."""

    ADMIN = "admin"
    """Everything, API keys and the audit included."""
    OPERATOR = "operator"
    """Registers tools, model providers and identity providers; deploys and deletes agents; reads."""
    APPROVER = "approver"
    """Decides approvals; reads."""
    VIEWER = "viewer"
    """Reads."""
    SERVICE = "service"
    """A platform service calling another's API (distributed mode): reads, and asks who a credential is."""


class Permission(StrEnum):
    """What an endpoint needs; :data:`GRANTS` says which roles have it."""

    READ = "read"
    OPERATE = "operate"
    APPROVE = "approve"
    ADMINISTER = "administer"
    INTROSPECT = "introspect"
    """Ask who a credential belongs to: only the platform's own services."""


GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.READ: frozenset(Role),
    Permission.OPERATE: frozenset({Role.ADMIN, Role.OPERATOR}),
    Permission.APPROVE: frozenset({Role.ADMIN, Role.APPROVER}),
    Permission.ADMINISTER: frozenset({Role.ADMIN}),
    Permission.INTROSPECT: frozenset({Role.SERVICE}),
}

LEAST_ROLE: dict[Permission, Role] = {
    Permission.READ: Role.VIEWER,
    Permission.OPERATE: Role.OPERATOR,
    Permission.APPROVE: Role.APPROVER,
    Permission.ADMINISTER: Role.ADMIN,
    Permission.INTROSPECT: Role.SERVICE,
}
"""The role a 403 names as needed for a permission."""


class PrincipalKind(StrEnum):
    API_KEY = "api_key"
    """A key made through the API (``ra_<prefix>_<secret>``)."""
    BOOTSTRAP_KEY = "bootstrap_key"
    """An admin key the platform was started with: RUNAGENTS_ADMIN_KEY, or dev mode's data-dir key."""
    USER = "user"
    """A person signed in through the platform's OpenID Connect provider."""
    SERVICE = "service"
    """One of the platform's services, with the key derived for it."""
    ANONYMOUS = "anonymous"
    """Nobody: the platform was started with authentication off."""


class Principal(BaseModel):
    """Who made a request, as every service sees it (the policy service's introspection answers with one)."""

    id: str = Field(description="Stable id: `key:<prefix>`, `user:<issuer subject>`, `service:<name>`, ...")
    kind: PrincipalKind
    name: str = Field(description="What a person reads: a key's name, a user's e-mail or name, a service's name.")
    role: Role
    session: bool = Field(default=False, description="Authenticated by a sign-in session cookie (writes need the "
                          "CSRF token).")

    def may(self, permission: Permission) -> bool:
        return self.role in GRANTS[permission]

    @property
    def label(self) -> str:
        """How audit entries and error messages name this principal."""
        return f"{self.name} ({self.id})" if self.name != self.id else self.id


ANONYMOUS = Principal(id="anonymous", kind=PrincipalKind.ANONYMOUS, name="anonymous (authentication off)",
                      role=Role.ADMIN)
"""The principal of every request when authentication is turned off."""
