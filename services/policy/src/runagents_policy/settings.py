import json
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from runagents_common.auth import Role
from runagents_common.settings import PlatformSettings

PERSON_ROLES = (Role.ADMIN, Role.OPERATOR, Role.APPROVER, Role.VIEWER)
"""The roles a person signing in may be given (``service`` belongs to the platform's own services)."""


class PolicySettings(PlatformSettings):
    """Settings of the policy service (tools, access policy, egress layer)."""

    egress_timeout_seconds: float = Field(default=30.0, gt=0, description="Timeout of one relayed tool call.")
    seed_starter_kit: bool = Field(default=True, description="Register the built-in echo tool at start-up.")
    session_hours: float = Field(default=12.0, gt=0, description="How long a sign-in session lasts.")
    oidc_issuer: str | None = Field(
        default=None, description="The OpenID Connect provider people sign in with (its issuer URL, exactly as its "
        "discovery document names it); sign-in by API key only when unset.")
    oidc_display_name: str = Field(default="single sign-on", description="What the sign-in button names the "
                                   "OpenID Connect provider.")
    oidc_client_id: str | None = Field(default=None, description="The platform's client id at the OpenID Connect "
                                       "provider (required with oidc_issuer).")
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="The client's secret (sent as client_secret_basic); unset for a public client, "
        "which relies on PKCE alone.")
    oidc_scopes: str = Field(default="openid email profile", description="The scopes asked for, space-separated "
                             "(openid is always among them).")
    oidc_role_claim: str = Field(default="groups", description="The ID token claim whose value (a string or a list "
                                 "of strings) oidc_role_map maps to roles; a dotted path reaches into nested "
                                 "objects (Keycloak: realm_access.roles) when no top-level claim has that name.")
    oidc_role_map: Annotated[dict[str, Role], NoDecode] = Field(
        default_factory=dict, description='A JSON object from a value of oidc_role_claim to a role, e.g. '
        '{"platform-admins": "admin", "ops": "operator"}; of several matches the highest role wins.')
    oidc_default_role: Role | None = Field(
        default=None, description="The role of a person none of whose claim values is in oidc_role_map; unset: "
        "such a person cannot sign in.")

    @field_validator("oidc_role_map", mode="before")
    @classmethod
    def _role_map(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else {}
            except ValueError:
                raise ValueError('RUNAGENTS_OIDC_ROLE_MAP is not JSON: write an object such as '
                                 '{"platform-admins": "admin"}') from None
        if not isinstance(value, dict):
            raise ValueError('RUNAGENTS_OIDC_ROLE_MAP must be a JSON object of claim value to role, such as '
                             '{"platform-admins": "admin"}')
        for claim_value, role in value.items():
            _check_person_role(role, f"RUNAGENTS_OIDC_ROLE_MAP maps {claim_value!r} to")
        return value

    @field_validator("oidc_default_role", mode="before")
    @classmethod
    def _default_role(cls, value: Any) -> Any:
        if value in (None, ""):
            return None
        _check_person_role(value, "RUNAGENTS_OIDC_DEFAULT_ROLE is")
        return value

    @field_validator("oidc_issuer", mode="before")
    @classmethod
    def _issuer(cls, value: Any) -> Any:
        return value or None


def _check_person_role(role: Any, what: str) -> None:
    if role not in [r.value for r in PERSON_ROLES]:
        raise ValueError(f"{what} {role!r}, which is not a role a person can have: one of "
                         f"{', '.join(r.value for r in PERSON_ROLES)}")
