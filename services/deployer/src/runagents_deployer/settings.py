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
