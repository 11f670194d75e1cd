import contextlib
import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from runagents_common.settings import MissingSetting, PlatformSettings, RunMode

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
        path = Path(self.data_dir) / DEV_SECRET_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            scratch = path.with_name(f"{DEV_SECRET_FILE}.{os.getpid()}.tmp")
            descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(32))
            # A link appears whole or not at all: a process starting at the same time reads one secret.
            with contextlib.suppress(FileExistsError):
                os.link(scratch, path)
            scratch.unlink()
        return SecretStr(path.read_text().strip())


class MissingSecretKey(MissingSetting):
    """The deployer cannot give agents gateway keys without its secret key."""
