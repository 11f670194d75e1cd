from pydantic import Field

from runagents_common.settings import PlatformSettings


class PolicySettings(PlatformSettings):
    """Settings of the policy service (tools, access policy, egress layer)."""

    egress_timeout_seconds: float = Field(default=30.0, gt=0, description="Timeout of one relayed tool call.")
    seed_starter_kit: bool = Field(default=True, description="Register the built-in echo tool at start-up.")
    session_hours: float = Field(default=12.0, gt=0, description="How long a sign-in session lasts.")
    oidc_issuer: str | None = Field(
        default=None, description="The OpenID Connect provider people sign in with (its issuer URL); sign-in by "
        "API key only when unset.")
    oidc_display_name: str = Field(default="single sign-on", description="What the sign-in button names the "
                                   "OpenID Connect provider.")
