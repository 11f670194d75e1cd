"""Settings parts shared by every service.

Each service builds its own ``Settings`` from :class:`PlatformSettings` and adds
its own fields. Everything is read from the environment with the ``RUNAGENTS_``
prefix; ``DATABASE_URL`` and ``AMQP_URL`` are accepted too, as the design names them.
"""

from enum import StrEnum
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class MissingSetting(RuntimeError):
    """A setting this run mode requires is not set; the message names it and says what it is for."""


class RunMode(StrEnum):
    """How the platform runs: all in one process, or one process per service."""

    DEV = "dev"
    DISTRIBUTED = "distributed"


class PlatformSettings(BaseSettings):
    """Settings every service reads: run mode, database, bus, telemetry, addresses."""

    # hide_input_in_errors: a validation error must not print a URL with its password.
    model_config = SettingsConfigDict(
        env_prefix="RUNAGENTS_", extra="ignore", populate_by_name=True, hide_input_in_errors=True
    )

    mode: RunMode = Field(
        default=RunMode.DISTRIBUTED,
        description="dev: SQLite files and an in-process bus in one process; distributed: Postgres + RabbitMQ.",
    )
    database_url: SecretStr = Field(
        default=SecretStr("postgresql+asyncpg://postgres@127.0.0.1:5432/runagents"),
        validation_alias=AliasChoices("RUNAGENTS_DATABASE_URL", "DATABASE_URL"),
        description="SQLAlchemy async URL of the Postgres database; each service keeps its tables "
        "in a schema named after it. Ignored in dev mode, which uses SQLite files in data_dir.",
    )
    amqp_url: SecretStr = Field(
        default=SecretStr("amqp://guest:guest@127.0.0.1:5672/"),
        validation_alias=AliasChoices("RUNAGENTS_AMQP_URL", "AMQP_URL"),
        description="RabbitMQ URL for the event bus (distributed mode), used by a service that has no URL of "
        "its own (RUNAGENTS_<SERVICE>_AMQP_URL, as `runagents setup-bus` writes them).",
    )
    bus_namespace: str = Field(
        default="runagents",
        description="Prefix of the exchange and queue names, so several platforms can share one broker.",
    )
    bus_max_deliveries: int = Field(
        default=5, ge=1, description="Deliveries of one event before it is dead-lettered."
    )
    data_dir: Path = Field(
        default=Path(".runagents"),
        description="Where uploads, build artifacts, agent working dirs and (dev mode) SQLite files live.",
    )
    platform_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL at which services and agents reach the platform's HTTP API.",
    )
    log_level: str = Field(default="INFO", description="Root log level.")
    log_json: bool = Field(default=True, description="Write logs as one JSON object per line.")
    otlp_endpoint: str | None = Field(
        default=None, description="OTLP/HTTP endpoint for traces; traces stay in-process when unset."
    )
    auth_disabled: bool = Field(
        default=False,
        description="Turn authentication off: every caller of the API is an admin. For local experiments only; "
        "logged as a warning at every start.",
    )
    admin_key: SecretStr | None = Field(
        default=None,
        description="An admin API key accepted as given (scripts, CI, a distributed platform's first sign-in). "
        "Dev mode also makes one in the data dir (admin.key).",
    )
    outbox_poll_seconds: float = Field(
        default=0.5, gt=0, description="How often the outbox relay looks for events left unpublished."
    )

    def service_amqp_url(self, service: str) -> str:
        """The RabbitMQ URL ``service`` connects with: its own broker user's, else the shared one.

        ``RUNAGENTS_<SERVICE>_AMQP_URL`` (e.g. ``RUNAGENTS_DEPLOYER_AMQP_URL``) carries the user that
        ``runagents setup-bus`` made for the service, which may publish only the service's own event types.
        """
        import os

        return os.environ.get(f"RUNAGENTS_{service.upper()}_AMQP_URL") or self.amqp_url.get_secret_value()

    def service_url(self, service: str) -> str:
        """Base URL of another service's API: the platform URL unless overridden per service.

        ``RUNAGENTS_<SERVICE>_URL`` (e.g. ``RUNAGENTS_POLICY_URL``) points one service elsewhere
        when services are not behind one ingress.
        """
        import os

        return os.environ.get(f"RUNAGENTS_{service.upper()}_URL", self.platform_url).rstrip("/")

    def bootstrap_admin_keys(self) -> dict[str, SecretStr]:
        """The admin keys this process starts with, by name: RUNAGENTS_ADMIN_KEY and, in dev mode, the data dir's."""
        keys: dict[str, SecretStr] = {}
        if self.admin_key is not None and self.admin_key.get_secret_value():
            keys["env"] = self.admin_key
        if self.mode is RunMode.DEV:
            keys["data-dir"] = dev_secret(self.data_dir, DEV_ADMIN_KEY_FILE)
        return keys

    def service_keys_secret(self) -> SecretStr:
        """The secret every service's key derives from (the policy service verifies with it; `runagents
        setup-identity` derives the keys): RUNAGENTS_SERVICE_KEYS_SECRET, in dev mode a data-dir file."""
        import os

        value = os.environ.get("RUNAGENTS_SERVICE_KEYS_SECRET")
        if value:
            return SecretStr(value)
        if self.mode is RunMode.DEV:
            return dev_secret(self.data_dir, "service-keys.secret")
        raise MissingSetting("RUNAGENTS_SERVICE_KEYS_SECRET is not set: the secret the services' keys derive from "
                             "(`runagents setup-identity` makes it)")

    def service_key(self, service: str) -> SecretStr | None:
        """The key ``service`` calls the other services' APIs with: RUNAGENTS_<SERVICE>_SERVICE_KEY (as `runagents
        setup-identity` writes them), in dev mode derived from the data dir's secret; None with authentication off."""
        import os

        if self.auth_disabled:
            return None
        value = os.environ.get(f"RUNAGENTS_{service.upper()}_SERVICE_KEY")
        if value:
            return SecretStr(value)
        if self.mode is RunMode.DEV or "RUNAGENTS_SERVICE_KEYS_SECRET" in os.environ:
            from runagents_common.auth.service_keys import derive_service_key

            return SecretStr(derive_service_key(self.service_keys_secret().get_secret_value(), service))
        raise MissingSetting(f"RUNAGENTS_{service.upper()}_SERVICE_KEY is not set: the {service} service's key on the "
                             "other services' APIs (`runagents setup-identity` makes it)")


DEV_ADMIN_KEY_FILE = "admin.key"
"""Dev mode's admin key, in the data dir (owner-only)."""

PRIVATE_UMASK = 0o077
"""The platform's umask: whatever it writes in its data dir (databases, keys, uploads) is its own alone."""


def private_data_dir(data_dir: Path) -> Path:
    """Create ``data_dir`` readable by its owner only and make this process create files the same way."""
    import os

    os.umask(PRIVATE_UMASK)
    data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)
    return data_dir


def dev_secret(data_dir: Path, file_name: str) -> SecretStr:
    """A random secret made once per data dir and kept there in an owner-only (0600) file; dev mode's stand-in
    for a secret that distributed mode is configured with. Agents never see the data dir."""
    import contextlib
    import os
    import secrets

    path = Path(data_dir) / file_name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = path.with_name(f"{file_name}.{os.getpid()}.tmp")
        descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(32))
        # A link appears whole or not at all: a process starting at the same time reads one secret.
        with contextlib.suppress(FileExistsError):
            os.link(scratch, path)
        scratch.unlink()
    return SecretStr(path.read_text().strip())
