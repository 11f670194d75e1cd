import re
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator
from pydantic_core import PydanticCustomError

NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
_CREDENTIAL_LIKE = re.compile(r"auth|token|secret|passw|credential|api[-_]?key|bearer|cookie|header|private|key$",
                              re.IGNORECASE)
_NO_CREDENTIALS = ("tools have no credentials yet: the egress layer calls a tool without any, and does not "
                   "store them; register the tool without it")


class _Strict(BaseModel):
    """A request body whose unknown fields are refused, not dropped: a credential sent along would otherwise
    look accepted while nothing keeps it."""

    model_config = ConfigDict(extra="forbid")
    read_only: ClassVar[frozenset[str]] = frozenset()
    """Fields of the answer that a body may carry back (GET, edit, PUT) and that are ignored."""

    @model_validator(mode="before")
    @classmethod
    def _no_credential_fields(cls, value: Any) -> Any:
        if isinstance(value, dict):
            value = {key: item for key, item in value.items() if key not in cls.read_only}
            for key in value:
                if isinstance(key, str) and key not in cls.model_fields and _CREDENTIAL_LIKE.search(key):
                    raise PydanticCustomError("extra_forbidden", "unknown field {field}: " + _NO_CREDENTIALS,
                                              {"field": repr(key[:64])})
        return value


def _no_url_credentials(url: HttpUrl) -> HttpUrl:
    if url.username or url.password:
        raise ValueError("base_url holds credentials (user:password@): " + _NO_CREDENTIALS)
    return url


class Capability(_Strict):
    """One operation of a tool an agent may be allowed: a method on a path template."""

    read_only: ClassVar[frozenset[str]] = frozenset({"function"})

    method: HttpMethod
    path: str = Field(description="Path template under the base URL, e.g. /repos/{owner}/{repo}/issues")
    name: str | None = Field(
        default=None, pattern=r"^[a-zA-Z0-9_-]{1,64}$",
        description="Function name offered to the model (default: derived from method and path)",
    )
    description: str = ""
    parameters: dict[str, Any] = Field(
        default_factory=lambda: {"type": "object", "properties": {}},
        description="JSON schema of the call's arguments (path, query and body parameters)",
    )

    @field_validator("method", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("path")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("path must start with /")
        return value


class ToolIn(_Strict):
    """A tool as registered or replaced."""

    name: str = Field(pattern=NAME_PATTERN, description="DNS-safe name, unique")
    base_url: HttpUrl
    description: str = ""
    capabilities: list[Capability] = Field(default_factory=list)

    _base_url = field_validator("base_url")(_no_url_credentials)


class ToolUpdate(_Strict):
    """A tool's replacement (PUT); the name comes from the path."""

    base_url: HttpUrl
    description: str = ""
    capabilities: list[Capability] = Field(default_factory=list)

    _base_url = field_validator("base_url")(_no_url_credentials)


class CapabilityOut(Capability):
    model_config = ConfigDict(extra="ignore")  # an answer, not a body: its schema stays open
    read_only: ClassVar[frozenset[str]] = frozenset()

    function: str = Field(description="The function name a model sees for this capability")


class ToolOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    base_url: str
    description: str
    capabilities: list[CapabilityOut]
    created_at: datetime
    updated_at: datetime
    created_by: str | None = Field(default=None, description="Who registered it (a principal's label); null: the "
                                   "platform itself (the starter kit) or before changes were recorded.")
    updated_by: str | None = Field(default=None, description="Who last registered or replaced it.")

    @model_validator(mode="before")
    @classmethod
    def _name_functions(cls, value: Any) -> Any:
        name = getattr(value, "name", None) if not isinstance(value, dict) else value.get("name")
        raw = getattr(value, "capabilities", None) if not isinstance(value, dict) else value.get("capabilities")
        if name is None or raw is None:
            return value
        capabilities = []
        for item in raw:
            capability = Capability.model_validate(item)
            capabilities.append({**capability.model_dump(), "function": function_name(name, capability)})
        fields = value if isinstance(value, dict) else {
            key: getattr(value, key) for key in ("name", "base_url", "description", "created_at", "updated_at",
                                                 "created_by", "updated_by")
        }
        return {**fields, "capabilities": capabilities}


class ToolList(BaseModel):
    items: list[ToolOut]


def function_name(tool: str, capability: Capability) -> str:
    """The function name a model sees for a capability: ``<tool>__<name or method_path>``."""
    if capability.name:
        suffix = capability.name
    else:
        words = [w for w in re.split(r"[^a-zA-Z0-9]+", capability.path) if w]
        suffix = "_".join(words) or capability.method.lower()
    return re.sub(r"[^a-zA-Z0-9_-]", "_", f"{tool}__{suffix}")[:64]
