"""A person's role from their ID token: the values of one claim (a string or a list of strings), each looked up in
the platform's map; of several matches the highest role wins, with none the default role, if there is one."""

from dataclasses import dataclass
from typing import Any

from runagents_common.auth import Role

RANK = (Role.ADMIN, Role.OPERATOR, Role.APPROVER, Role.VIEWER)
"""Highest first. Operator ranks above approver: it may change the platform, an approver only decide approvals."""


class NoRole(Exception):
    """None of the person's claim values is mapped and there is no default role."""


@dataclass(frozen=True)
class RoleMapping:
    claim: str
    roles: dict[str, Role]
    default: Role | None = None

    def role_of(self, claims: dict[str, Any]) -> Role:
        matched = {self.roles[value] for value in claim_values(claim_at(claims, self.claim)) if value in self.roles}
        for role in RANK:
            if role in matched:
                return role
        if self.default is not None:
            return self.default
        raise NoRole(f"your account has no role on this platform: none of the values of its {self.claim!r} claim "
                     "is mapped to a role (ask an administrator to add one to RUNAGENTS_OIDC_ROLE_MAP)")


def claim_at(claims: dict[str, Any], name: str) -> Any:
    """The claim ``name``: a top-level claim of that name (namespaced ones hold dots: ``https://example.com/roles``),
    else the dotted path into nested objects (Keycloak's ``realm_access.roles``)."""
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def claim_values(value: Any) -> list[str]:
    """The strings a claim holds: itself if it is one, its string members if it is a list, else none."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []
