from typing import Literal

from pydantic import Field

from runagents_common.settings import PlatformSettings


class DeployerSettings(PlatformSettings):
    """Settings of the deployer service."""

    deployer_backend: Literal["local"] = Field(
        default="local", description="Where agents run: local processes (Kubernetes comes next)."
    )
    agent_start_timeout_seconds: float = Field(
        default=60, gt=0, description="How long a started agent may take to answer /readyz before it is Failed."
    )
    agent_invoke_timeout_seconds: float = Field(default=300, gt=0, description="Longest an invoke may take.")
    agent_max_tool_iterations: int = Field(default=10, ge=1, description="MAX_TOOL_ITERATIONS given to agents.")
    jwks_cache_seconds: float = Field(
        default=300, gt=0,
        description="How long the signing keys fetched from an identity provider's jwks_url are used before "
        "they are fetched again.",
    )
    jwks_refresh_cooldown_seconds: float = Field(
        default=10, ge=0,
        description="Least time between two early refetches of one jwks_url (on a token whose kid is unknown, "
        "or after a failed fetch), so tokens with made-up key ids cannot hammer the provider.",
    )
    jwks_fetch_timeout_seconds: float = Field(default=5, gt=0, description="Timeout of one JWK set fetch.")
    token_leeway_seconds: float = Field(
        default=30, ge=0, description="Clock skew allowed when checking a caller's token exp, nbf and iat."
    )
