import ipaddress
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from runagents_policy.identity_providers.jose import (
    ALGORITHMS,
    DEFAULT_ALGORITHMS,
    algorithm_problem,
    jwk_set_problems,
    key_algorithms,
)
from runagents_policy.tools.schemas import NAME_PATTERN

Audience = Annotated[str, Field(min_length=1, max_length=2048)]


class IdentityProviderUpdate(BaseModel):
    """An identity provider's configuration (PUT); the name comes from the path."""

    # A misspelt field (say jwks_uri, as OIDC discovery calls it) must be an error, not a silently
    # ignored setting on a security boundary.
    model_config = ConfigDict(extra="forbid")

    issuer: str = Field(min_length=1, max_length=2048, description="The tokens' `iss`, exactly")
    audiences: list[Audience] = Field(
        min_length=1, max_length=50, description="A token's `aud` must contain at least one of these"
    )
    jwks_url: HttpUrl | None = Field(
        default=None, description="Where the provider publishes its signing keys (https; http only on loopback)"
    )
    jwks: dict[str, Any] | None = Field(
        default=None, description='The signing keys inline, as a JWK set `{"keys": [...]}` (public keys only)'
    )
    algorithms: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ALGORITHMS), min_length=1,
        description=f"Signature algorithms accepted, among {', '.join(ALGORITHMS)}",
    )
    user_claim: str = Field(
        default="sub", pattern=r"^\S{1,255}$", description="The claim that names the caller on its runs"
    )

    @field_validator("jwks_url")
    @classmethod
    def _trusted_transport(cls, url: HttpUrl | None) -> HttpUrl | None:
        if url is None:
            return None
        if url.username or url.password:
            raise ValueError("jwks_url must not carry credentials: a JWK set is public")
        if url.scheme != "https" and not _is_loopback(url.host or ""):
            raise ValueError("jwks_url must be https (plain http is accepted on a loopback host only)")
        return url

    @field_validator("algorithms")
    @classmethod
    def _asymmetric(cls, algorithms: list[str]) -> list[str]:
        problems = [p for p in (algorithm_problem(a) for a in algorithms) if p]
        if problems:
            raise ValueError("; ".join(problems))
        return list(dict.fromkeys(algorithms))

    @field_validator("jwks")
    @classmethod
    def _jwk_set(cls, jwks: dict[str, Any] | None) -> dict[str, Any] | None:
        if jwks is not None:
            problems = jwk_set_problems(jwks)
            if problems:
                raise ValueError("; ".join(problems))
        return jwks

    @model_validator(mode="after")
    def _one_key_source(self) -> "IdentityProviderUpdate":
        if (self.jwks_url is None) == (self.jwks is None):
            raise ValueError("give exactly one of jwks_url (keys fetched from the provider) and jwks (keys inline)")
        if self.jwks is not None:
            usable = set().union(*(key_algorithms(key) for key in self.jwks["keys"]))
            if not usable & set(self.algorithms):
                raise ValueError(
                    f"no key in jwks can verify a token signed with {', '.join(self.algorithms)}"
                    + (f" (the keys verify {', '.join(sorted(usable))})" if usable else "")
                )
        return self


class IdentityProviderIn(IdentityProviderUpdate):
    """An identity provider as registered."""

    name: str = Field(pattern=NAME_PATTERN, description="DNS-safe name, unique; agents name it in their access")


class IdentityProviderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    issuer: str
    audiences: list[str]
    jwks_url: str | None
    jwks: dict[str, Any] | None
    algorithms: list[str]
    user_claim: str
    used_by: list[str] = Field(
        default_factory=list, description="Agents whose access trusts this provider (it cannot be deleted meanwhile)"
    )
    created_at: datetime
    updated_at: datetime
    created_by: str | None = Field(default=None, description="Who registered it (a principal's label); null: "
                                   "before changes were recorded.")
    updated_by: str | None = Field(default=None, description="Who last registered or replaced it.")


class IdentityProviderList(BaseModel):
    items: list[IdentityProviderOut]


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
