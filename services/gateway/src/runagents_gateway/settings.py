from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from runagents_common.settings import MissingSetting, PlatformSettings, RunMode, dev_secret

DEV_SECRET_FILE = "gateway-secret.key"


class GatewaySettings(PlatformSettings):
    """Settings of the gateway service (model providers and the OpenAI-compatible LLM wire)."""

    # Validation errors would otherwise echo their inputs: secrets and the database URL among them.
    model_config = SettingsConfigDict(hide_input_in_errors=True)

    gateway_secret_key: SecretStr | None = Field(
        default=None,
        min_length=16,
        description="Secret from which the key that encrypts provider API keys at rest is derived "
        "(RUNAGENTS_GATEWAY_SECRET_KEY; use 32+ random characters). Required in distributed mode; "
        "dev mode makes a random one once and keeps it in data_dir (0600).",
    )
    upstream_timeout_seconds: float = Field(
        default=300.0, gt=0, description="Read timeout of one upstream model call (per chunk when streaming)."
    )
    upstream_connect_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Timeout to connect to an upstream model provider."
    )
    upstream_retries: int = Field(
        default=2, ge=0, le=10,
        description="Retries of a provider call that failed retryably (429, 5xx, no answer) before any byte "
        "reached the client; a provider's own max_retries overrides it.",
    )
    upstream_max_connections: int = Field(
        default=512, ge=1, description="Connections the shared upstream pool keeps open at most."
    )
    route_cache_seconds: float = Field(
        default=5.0, ge=0,
        description="How long the in-memory provider routes stay fresh; changes made through this "
        "process apply at once, changes made by another replica after at most this long.",
    )
    max_request_bytes: int = Field(
        default=20 * 1024 * 1024, ge=1024, description="Largest request body accepted on /llm."
    )
    require_agent_key: bool = Field(
        default=True,
        description="Answer /llm calls only for a deployed agent's gateway key (401 otherwise). Turn off only "
        "for a gateway used by hand, never where agents run: without a key any caller may use any provider.",
    )
    seed_starter_kit: bool = Field(
        default=True, description="Register the built-in playground model provider at start-up."
    )

    def secret_key(self) -> SecretStr:
        """The secret provider keys are encrypted with; outside dev mode it must be configured."""
        if self.gateway_secret_key is not None:
            return self.gateway_secret_key
        if self.mode is RunMode.DEV:
            return dev_secret(Path(self.data_dir), DEV_SECRET_FILE)
        raise MissingSecretKey(
            "RUNAGENTS_GATEWAY_SECRET_KEY must be set outside dev mode: it encrypts provider API keys"
        )


class MissingSecretKey(MissingSetting):
    """The gateway cannot keep provider keys without its secret key."""
