"""The registered tools and model providers an analysis matches its findings against.

They belong to the policy and gateway services, so they are read over those services' public
APIs. When one does not answer, the analysis goes on without suggestions of that kind and the
report says so.
"""

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError, field_validator

from runagents_common.http import service_client

log = logging.getLogger("runagents.analyzer.resources")


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore")


Item = TypeVar("Item", bound=_Item)


class RegisteredTool(_Item):
    name: str
    base_url: str


class RegisteredModelProvider(_Item):
    name: str
    kind: str
    models: list[str] = []

    @field_validator("models", mode="before")
    @classmethod
    def _model_names(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [item.get("name") if isinstance(item, dict) else item for item in value]
        return value


@dataclass
class ResourceLookup:
    """What could be fetched; ``None`` for a kind whose service did not answer."""

    tools: list[RegisteredTool] | None
    model_providers: list[RegisteredModelProvider] | None
    notes: list[str] = field(default_factory=list)


async def fetch_registered_resources(policy_url: str, gateway_url: str, timeout_seconds: float,
                                     key: SecretStr | None = None) -> ResourceLookup:
    """The registered tools and model providers, read as the analyzer's principal (``key``)."""
    tools, providers = await asyncio.gather(
        _fetch_items(policy_url, "/api/v1/tools", RegisteredTool, timeout_seconds, key),
        _fetch_items(gateway_url, "/api/v1/model-providers", RegisteredModelProvider, timeout_seconds, key),
    )
    lookup = ResourceLookup(tools=None, model_providers=None)
    if isinstance(tools, str):
        lookup.notes.append(f"registered tools could not be read from the policy service ({tools}); "
                            "tools have no suggestion")
    else:
        lookup.tools = tools
    if isinstance(providers, str):
        lookup.notes.append(f"registered model providers could not be read from the gateway ({providers}); "
                            "LLM usage has no suggestion")
    else:
        lookup.model_providers = providers
    return lookup


async def _fetch_items(base_url: str, path: str, model: type[Item], timeout_seconds: float,
                       key: SecretStr | None) -> list[Item] | str:
    """The items of a list endpoint, or why they could not be read."""
    try:
        async with service_client(base_url, timeout=timeout_seconds, key=key) as client:
            response = await client.get(path)
        response.raise_for_status()
        body = response.json()
        return [model.model_validate(item) for item in body["items"]]
    except httpx.HTTPStatusError as exc:
        reason = f"HTTP {exc.response.status_code}"
    except httpx.HTTPError as exc:
        reason = f"{type(exc).__name__} at {base_url}"
    except (ValueError, ValidationError, KeyError, TypeError) as exc:
        reason = f"unexpected answer: {type(exc).__name__}"
    log.warning("could not read %s%s: %s", base_url, path, reason)
    return reason
