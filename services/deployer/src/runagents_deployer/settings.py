from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from runagents_common.settings import MissingSetting, PlatformSettings, RunMode, dev_secret

DEV_SECRET_FILE = "deployer-secret.key"


class DeployerSettings(PlatformSettings):
    """Settings of the deployer service."""

    # Validation errors would otherwise echo their inputs: the secret key among them.
    model_config = SettingsConfigDict(hide_input_in_errors=True)

    deployer_secret_key: SecretStr | None = Field(
        default=None, min_length=16,
        description="Secret each deployment's LLM gateway key is derived from (RUNAGENTS_DEPLOYER_SECRET_KEY; "
        "32+ random characters; changing it revokes every running agent's key). Required in distributed "
        "mode; dev mode keeps a random one in data_dir.",
    )

    deployer_backend: Literal["local"] = Field(
        default="local", description="Where agents run: local processes (Kubernetes comes next)."
    )
    agent_isolation: Literal["auto", "required", "off"] = Field(
        default="auto",
        description="Local agents' sandbox (bubblewrap; docs/isolation.md). auto: used where it works, else the "
        "agent runs without it and its status message says so; required: an agent that cannot be isolated "
        "fails to start; off: never used.",
    )
    agent_uid: int = Field(default=65534, ge=1, description="Unprivileged uid sandboxed agents run as (when "
                           "the platform runs as root).")
    agent_gid: int = Field(default=65534, ge=1, description="Unprivileged gid sandboxed agents run as.")
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

    def agent_key_secret(self) -> SecretStr:
        """The secret agents' gateway keys derive from; in dev mode one made once and kept in data_dir."""
        if self.deployer_secret_key is not None:
            return self.deployer_secret_key
        if self.mode is not RunMode.DEV:
            raise MissingSecretKey("RUNAGENTS_DEPLOYER_SECRET_KEY must be set outside dev mode: agents' LLM "
                                   "gateway keys are derived from it")
        return dev_secret(Path(self.data_dir), DEV_SECRET_FILE)


class MissingSecretKey(MissingSetting):
    """The deployer cannot give agents gateway keys without its secret key."""
