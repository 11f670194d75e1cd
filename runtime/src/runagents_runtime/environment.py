"""Point popular AI SDKs at the platform's LLM gateway without any change to user code."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Literal

from runagents_runtime.config import RuntimeConfig, gateway_base_url, gateway_root_url

PLATFORM_MANAGED_KEY = "platform-managed"


@dataclass(frozen=True)
class VendorClient:
    """An OpenAI-wire client of another vendor whose SDK reads a base-URL variable of its own."""

    base_variable: str
    key_variable: str
    base: Literal["v1", "root"]
    """What the SDK appends its paths to: the OpenAI base (…/llm/v1, it posts /chat/completions) or
    the gateway root (…/llm, it posts /openai/v1/chat/completions)."""


# Each name as its SDK reads it (checked in the SDK's source). Left out on purpose: TOGETHER_BASE_URL
# (together 1.x appends to …/v1, 2.x and later to the root: no value serves both), GROQ_API_BASE
# (langchain-groq hands it to the groq SDK as a root, LiteLLM appends /chat/completions to it),
# MISTRAL_* (the mistralai SDK reads no base URL), OLLAMA_HOST (Ollama's /api/chat wire) and
# GOOGLE_GEMINI_BASE_URL (Gemini's wire), which the gateway does not serve.
OPENAI_WIRE_VENDORS: tuple[VendorClient, ...] = (
    VendorClient("GROQ_BASE_URL", "GROQ_API_KEY", "root"),  # groq SDK; langchain-groq through it
    VendorClient("DEEPSEEK_API_BASE", "DEEPSEEK_API_KEY", "v1"),  # langchain-deepseek; LiteLLM deepseek/
    VendorClient("TOGETHER_API_BASE", "TOGETHER_API_KEY", "v1"),  # langchain-together
    VendorClient("OPENROUTER_API_BASE", "OPENROUTER_API_KEY", "v1"),  # LiteLLM openrouter/
)

# Frameworks that phone home by default would send the agent's key or its prompts to a vendor
# outside the platform (the OpenAI Agents SDK exports traces to api.openai.com with
# OPENAI_API_KEY); the run is recorded by the platform instead. Users can still opt back in.
VENDOR_TELEMETRY_OFF = {
    "OPENAI_AGENTS_DISABLE_TRACING": "1",
    "CREWAI_DISABLE_TELEMETRY": "true",
    "ANONYMIZED_TELEMETRY": "False",
}


def sdk_environment(config: RuntimeConfig) -> dict[str, str]:
    """Return the SDK variables the runtime would set for this configuration."""
    api_key = config.agent_token or PLATFORM_MANAGED_KEY
    values = {"OPENAI_API_KEY": api_key, "ANTHROPIC_API_KEY": api_key, **VENDOR_TELEMETRY_OFF}
    if config.llm_gateway_url:
        base = gateway_base_url(config.llm_gateway_url)
        values |= {
            "OPENAI_BASE_URL": base,
            "OPENAI_API_BASE": base,
            "ANTHROPIC_BASE_URL": gateway_root_url(config.llm_gateway_url),
        }
    return values


def vendor_environment(config: RuntimeConfig) -> dict[str, str]:
    """The base URL and key of each OpenAI-wire vendor client, pointing at the gateway."""
    if not config.llm_gateway_url:
        return {}
    bases = {"v1": gateway_base_url(config.llm_gateway_url), "root": gateway_root_url(config.llm_gateway_url)}
    api_key = config.agent_token or PLATFORM_MANAGED_KEY
    values: dict[str, str] = {}
    for vendor in OPENAI_WIRE_VENDORS:
        values |= {vendor.base_variable: bases[vendor.base], vendor.key_variable: api_key}
    return values


def inject_sdk_environment(config: RuntimeConfig, environ: MutableMapping[str, str]) -> dict[str, str]:
    """Set the SDK variables that are absent from `environ` (explicit user values always win).

    A vendor client's pair is set only when the agent set neither: its own key means it talks to
    the vendor directly, and the agent's token must not go there, nor the vendor's key here.
    Returns the variables that were set.
    """
    injected: dict[str, str] = {}
    for name, value in sdk_environment(config).items():
        if not environ.get(name):
            environ[name] = value
            injected[name] = value
    vendors = vendor_environment(config)
    for vendor in OPENAI_WIRE_VENDORS:
        if vendor.base_variable in vendors and not (environ.get(vendor.base_variable)
                                                     or environ.get(vendor.key_variable)):
            for name in (vendor.base_variable, vendor.key_variable):
                environ[name] = injected[name] = vendors[name]
    return injected
