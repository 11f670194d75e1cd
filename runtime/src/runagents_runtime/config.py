"""Runtime settings, read once from the environment the operator injects."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_HOST = "0.0.0.0"
DEFAULT_PORT = 8080
DEFAULT_MAX_TOOL_ITERATIONS = 10
DEFAULT_AGENT_NAME = "agent"

_CHAT_COMPLETIONS_SUFFIX = "/chat/completions"
_VERSION_SUFFIX = "/v1"
_MODEL_ROLE_PREFIX = "LLM_MODEL_"
_PROVIDER_ROLE_PREFIX = "LLM_PROVIDER_"
_TOOL_URL_PREFIX = "TOOL_URL_"
INVOKE_KEY_ENV = "RUNAGENTS_INVOKE_KEY"


class ConfigError(ValueError):
    """The environment holds a value the runtime cannot start with."""


@dataclass(frozen=True)
class ToolRoute:
    """Where one model-visible function is served: a tool, an HTTP method and a path template."""

    tool: str
    method: str
    path: str


@dataclass(frozen=True)
class ModelRole:
    """A secondary model wired for a role such as embedding or reranking."""

    model: str
    provider: str


@dataclass(frozen=True)
class RuntimeConfig:
    """Everything the runtime needs, fixed at start-up."""

    agent_name: str = DEFAULT_AGENT_NAME
    system_prompt: str = ""
    llm_gateway_url: str | None = None
    llm_gateway_health_url: str | None = None
    model: str = ""
    provider: str = ""
    provider_name: str = ""
    model_roles: Mapping[str, ModelRole] = field(default_factory=dict)
    user_entry_point: str | None = None
    user_entry_adapter: str | None = None
    """USER_ENTRY_ADAPTER / _TARGET / _MODULE: the deployer's analysis of the entry (runagents_contracts.entry)."""
    user_entry_target: str | None = None
    user_entry_module: str | None = None
    agent_python: str | None = None
    """AGENT_PYTHON: the interpreter of the agent's virtualenv, which runs the agent's code (None: this one)."""
    tool_names: tuple[str, ...] = ()
    tool_urls: Mapping[str, str] = field(default_factory=dict)
    tool_definitions: tuple[Mapping[str, Any], ...] = ()
    tool_routes: Mapping[str, ToolRoute] = field(default_factory=dict)
    max_tool_iterations: int = DEFAULT_MAX_TOOL_ITERATIONS
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    agent_token: str | None = field(default=None, repr=False)
    invoke_key: str | None = field(default=None, repr=False)
    """What the platform's front door presents with each invoke; None: invokes are open (a runtime run by hand)."""
    deployment_id: str | None = None

    def tool_url(self, tool_name: str) -> str | None:
        """Return the base URL of a tool, matching names the way TOOL_URL_{NAME} variables are built."""
        wanted = tool_env_suffix(tool_name)
        for name, url in self.tool_urls.items():
            if tool_env_suffix(name) == wanted:
                return url
        return None


def tool_env_suffix(tool_name: str) -> str:
    """Return the TOOL_URL_ suffix for a tool name: uppercased, hyphens (any non-word character) to underscores."""
    return re.sub(r"\W", "_", tool_name.strip()).upper()


def gateway_base_url(chat_completions_url: str) -> str:
    """Return the OpenAI-style base URL (…/v1) of a full chat-completions URL."""
    url = chat_completions_url.rstrip("/")
    if url.endswith(_CHAT_COMPLETIONS_SUFFIX):
        url = url[: -len(_CHAT_COMPLETIONS_SUFFIX)]
    return url


def gateway_root_url(chat_completions_url: str) -> str:
    """Return the gateway base without its API version (…/llm), as the Anthropic SDK expects."""
    base = gateway_base_url(chat_completions_url)
    if base.endswith(_VERSION_SUFFIX):
        base = base[: -len(_VERSION_SUFFIX)]
    return base


def gateway_health_url(chat_completions_url: str) -> str:
    """Return the gateway's health URL derived from its chat-completions URL."""
    return gateway_root_url(chat_completions_url) + "/healthz"


def load_config(environ: Mapping[str, str]) -> RuntimeConfig:
    """Build the runtime settings from environment variables; raise ConfigError naming a bad variable."""
    gateway_url = _optional(environ, "LLM_GATEWAY_URL")
    tool_names = tuple(name.strip() for name in environ.get("TOOL_NAMES", "").split(",") if name.strip())
    return RuntimeConfig(
        agent_name=_optional(environ, "AGENT_NAME") or DEFAULT_AGENT_NAME,
        system_prompt=environ.get("SYSTEM_PROMPT", ""),
        llm_gateway_url=gateway_url,
        llm_gateway_health_url=_optional(environ, "LLM_GATEWAY_HEALTH_URL")
        or (gateway_health_url(gateway_url) if gateway_url else None),
        model=environ.get("LLM_MODEL", "").strip(),
        provider=environ.get("LLM_PROVIDER", "").strip(),
        provider_name=environ.get("LLM_PROVIDER_NAME", "").strip(),
        model_roles=_model_roles(environ),
        user_entry_point=_optional(environ, "USER_ENTRY_POINT"),
        user_entry_adapter=_optional(environ, "USER_ENTRY_ADAPTER"),
        user_entry_target=_optional(environ, "USER_ENTRY_TARGET"),
        user_entry_module=_optional(environ, "USER_ENTRY_MODULE"),
        agent_python=_optional(environ, "AGENT_PYTHON"),
        tool_names=tool_names,
        tool_urls=_tool_urls(environ, tool_names),
        tool_definitions=_tool_definitions(environ),
        tool_routes=_tool_routes(environ),
        max_tool_iterations=_positive_int(environ, "MAX_TOOL_ITERATIONS", DEFAULT_MAX_TOOL_ITERATIONS),
        host=_optional(environ, "HOST") or DEFAULT_HOST,
        port=_positive_int(environ, "PORT", DEFAULT_PORT),
        agent_token=_optional(environ, "RUNAGENTS_AGENT_TOKEN"),
        invoke_key=_optional(environ, INVOKE_KEY_ENV),
        deployment_id=_optional(environ, "RUNAGENTS_DEPLOYMENT_ID"),
    )


def _optional(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = _optional(environ, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a positive integer, got {raw!r}") from None
    if value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {raw!r}")
    return value


def _tool_urls(environ: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str]:
    """Map each tool name to its base URL: TOOL_NAMES first, then any other TOOL_URL_* variable."""
    urls: dict[str, str] = {}
    for name in names:
        url = _optional(environ, _TOOL_URL_PREFIX + tool_env_suffix(name))
        if url:
            urls[name] = url.rstrip("/")
    known_suffixes = {tool_env_suffix(name) for name in urls}
    for key, value in environ.items():
        suffix = key[len(_TOOL_URL_PREFIX) :]
        if key.startswith(_TOOL_URL_PREFIX) and suffix and suffix not in known_suffixes and value.strip():
            urls[suffix.lower()] = value.strip().rstrip("/")
    return urls


def _model_roles(environ: Mapping[str, str]) -> dict[str, ModelRole]:
    roles: dict[str, ModelRole] = {}
    for key, value in environ.items():
        if key.startswith(_MODEL_ROLE_PREFIX) and value.strip():
            role = key[len(_MODEL_ROLE_PREFIX) :]
            provider = environ.get(_PROVIDER_ROLE_PREFIX + role, "").strip()
            roles[role.lower()] = ModelRole(model=value.strip(), provider=provider)
    return roles


def _parse_json(environ: Mapping[str, str], name: str) -> Any:
    raw = _optional(environ, name)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{name} is not valid JSON: {exc}") from None


def _tool_definitions(environ: Mapping[str, str]) -> tuple[Mapping[str, Any], ...]:
    parsed = _parse_json(environ, "TOOL_DEFINITIONS_JSON")
    if parsed is None:
        return ()
    if not isinstance(parsed, list) or not all(isinstance(item, dict) for item in parsed):
        raise ConfigError("TOOL_DEFINITIONS_JSON must be a JSON array of OpenAI tool objects")
    return tuple(parsed)


def _tool_routes(environ: Mapping[str, str]) -> dict[str, ToolRoute]:
    parsed = _parse_json(environ, "TOOL_ROUTES_JSON")
    if parsed is None:
        return {}
    if not isinstance(parsed, dict):
        raise ConfigError("TOOL_ROUTES_JSON must be a JSON object mapping function names to routes")
    routes: dict[str, ToolRoute] = {}
    for function_name, route in parsed.items():
        if not isinstance(route, dict) or not isinstance(route.get("tool"), str) or not route["tool"]:
            raise ConfigError(f"TOOL_ROUTES_JSON entry {function_name!r} must be an object with a 'tool' name")
        method = route.get("method", "POST")
        path = route.get("path", "/")
        if not isinstance(method, str) or not isinstance(path, str):
            raise ConfigError(f"TOOL_ROUTES_JSON entry {function_name!r} has a non-string 'method' or 'path'")
        routes[function_name] = ToolRoute(tool=route["tool"], method=method.upper(), path=_with_slash(path))
    return routes


def _with_slash(path: str) -> str:
    return path if path.startswith("/") else "/" + path
