from pydantic import Field

from runagents_common.settings import PlatformSettings


class PolicySettings(PlatformSettings):
    """Settings of the policy service (tools, access policy, egress layer)."""

    egress_timeout_seconds: float = Field(default=30.0, gt=0, description="Timeout of one relayed tool call.")
    seed_starter_kit: bool = Field(default=True, description="Register the built-in echo tool at start-up.")
