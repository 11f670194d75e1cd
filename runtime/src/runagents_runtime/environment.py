"""Point popular AI SDKs at the platform's LLM gateway without any change to user code."""

from __future__ import annotations

from collections.abc import MutableMapping

from runagents_runtime.config import RuntimeConfig, gateway_base_url, gateway_root_url

PLATFORM_MANAGED_KEY = "platform-managed"

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


def inject_sdk_environment(config: RuntimeConfig, environ: MutableMapping[str, str]) -> dict[str, str]:
    """Set the SDK variables that are absent from `environ` (explicit user values always win).

    Returns the variables that were set.
    """
    injected: dict[str, str] = {}
    for name, value in sdk_environment(config).items():
        if not environ.get(name):
            environ[name] = value
            injected[name] = value
    return injected
