from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr, field_validator, model_validator

from runagents_gateway.providers.models import ModelProvider

NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
ProviderKind = Literal["openai", "anthropic", "azure-openai", "openai-compatible", "bedrock", "playground"]
ModelRole = Literal["chat", "embedding", "classify", "reranking"]

# Where a provider of these kinds is when no base URL is given.
DEFAULT_BASE_URLS: dict[str, str] = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
}
KINDS_NEEDING_BASE_URL = ("azure-openai", "openai-compatible", "bedrock")


class ServedModel(BaseModel):
    """One model a provider serves, and what it is used for."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, pattern=r"^\S+$", description="Model name as the provider knows it")
    role: ModelRole = "chat"


class ProviderSpec(BaseModel):
    """The fields a provider is registered or replaced with."""

    model_config = ConfigDict(extra="forbid")

    kind: ProviderKind
    base_url: HttpUrl | None = Field(
        default=None, description="API base, e.g. https://api.openai.com/v1 (not needed for playground)"
    )
    models: list[ServedModel] = Field(default_factory=list)
    timeout_seconds: float | None = Field(
        default=None, gt=0, le=3600,
        description="Seconds for a whole answer, or between two chunks of a stream (default: the gateway's)",
    )
    max_retries: int | None = Field(
        default=None, ge=0, le=10,
        description="Retries of a retryable failure (429, 5xx, no answer) before the client got anything "
        "(default: the gateway's)",
    )
    api_version: str | None = Field(
        default=None, pattern=r"^[0-9A-Za-z.-]{1,64}$",
        description="azure-openai only: the api-version of Azure's classic deployments API; omit it for "
        "Azure's v1 API (base_url https://<resource>.openai.azure.com/openai/v1)",
    )

    @field_validator("base_url")
    @classmethod
    def _no_credentials(cls, url: HttpUrl | None) -> HttpUrl | None:
        # A URL is stored and shown in clear; only api_key is encrypted and write-only.
        if url is not None and (url.username or url.password):
            raise ValueError("base_url holds credentials (user:password@): put credentials in api_key, "
                             "not in base_url")
        return url

    @model_validator(mode="after")
    def _consistent(self) -> "ProviderSpec":
        if self.kind in KINDS_NEEDING_BASE_URL and self.base_url is None:
            raise ValueError(f"a provider of kind {self.kind} needs a base_url")
        if self.kind == "playground" and self.base_url is not None:
            raise ValueError("the playground provider is built in and takes no base_url")
        if self.api_version is not None and self.kind != "azure-openai":
            raise ValueError("api_version applies to azure-openai providers only")
        names = [model.name for model in self.models]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"models listed twice: {', '.join(duplicates)}")
        return self


class ProviderIn(ProviderSpec):
    """A provider as registered (POST)."""

    name: str = Field(pattern=NAME_PATTERN, description="DNS-safe name, unique")
    api_key: SecretStr | None = Field(
        default=None, min_length=1, description="Write-only; stored encrypted, never returned"
    )


class ProviderUpdate(ProviderSpec):
    """A provider's replacement (PUT); the name comes from the path."""

    api_key: SecretStr | None = Field(
        default=None,
        description="Write-only. Omitted or null keeps the stored key; an empty string removes it.",
    )


class ProviderOut(BaseModel):
    name: str
    kind: ProviderKind
    base_url: str | None
    has_api_key: bool
    models: list[ServedModel]
    timeout_seconds: float | None
    max_retries: int | None
    api_version: str | None
    created_at: datetime
    updated_at: datetime
    created_by: str | None = Field(default=None, description="Who registered it (a principal's label); null: the "
                                   "platform itself (seeded) or before changes were recorded.")
    updated_by: str | None = Field(default=None, description="Who last registered or replaced it.")

    @classmethod
    def of(cls, provider: ModelProvider) -> "ProviderOut":
        return cls(
            name=provider.name,
            kind=provider.kind,
            base_url=without_credentials(provider.base_url) if provider.base_url else None,
            has_api_key=provider.encrypted_api_key is not None,
            models=[ServedModel.model_validate(model) for model in provider.models],
            timeout_seconds=provider.timeout_seconds,
            max_retries=provider.max_retries,
            api_version=provider.api_version,
            created_at=provider.created_at,
            updated_at=provider.updated_at,
            created_by=provider.created_by,
            updated_by=provider.updated_by,
        )


class ProviderList(BaseModel):
    items: list[ProviderOut]


def without_credentials(url: str) -> str:
    """``url`` without a user:password@ part (one stored before such URLs were refused is never shown)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
