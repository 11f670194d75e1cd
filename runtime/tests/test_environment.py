"""Start-up injection of SDK variables pointing at the gateway."""

from __future__ import annotations

from runagents_runtime.config import load_config
from runagents_runtime.environment import inject_sdk_environment

# Spelled out, not imported from the runtime: each vendor reads its own variable its own way.
TELEMETRY_OFF = {
    "OPENAI_AGENTS_DISABLE_TRACING": "1",
    "CREWAI_DISABLE_TELEMETRY": "true",
    "ANONYMIZED_TELEMETRY": "False",
}


def test_sdk_variables_point_at_the_gateway_when_absent():
    config = load_config({"LLM_GATEWAY_URL": "http://h/llm/v1/chat/completions"})
    environ: dict[str, str] = {}

    inject_sdk_environment(config, environ)

    assert environ == {
        "OPENAI_BASE_URL": "http://h/llm/v1",
        "OPENAI_API_BASE": "http://h/llm/v1",
        "ANTHROPIC_BASE_URL": "http://h/llm",
        "OPENAI_API_KEY": "platform-managed",
        "ANTHROPIC_API_KEY": "platform-managed",
        **TELEMETRY_OFF,
    }


def test_api_keys_carry_the_agent_token_when_it_is_set():
    config = load_config({"LLM_GATEWAY_URL": "http://h/llm/v1/chat/completions", "RUNAGENTS_AGENT_TOKEN": "tok"})
    environ: dict[str, str] = {}

    inject_sdk_environment(config, environ)

    assert environ["OPENAI_API_KEY"] == "tok"
    assert environ["ANTHROPIC_API_KEY"] == "tok"


def test_existing_sdk_variables_are_never_overridden():
    config = load_config({"LLM_GATEWAY_URL": "http://h/llm/v1/chat/completions", "RUNAGENTS_AGENT_TOKEN": "tok"})
    mine = {
        "OPENAI_BASE_URL": "https://my.proxy/v1",
        "OPENAI_API_BASE": "https://old.proxy/v1",
        "ANTHROPIC_BASE_URL": "https://my.anthropic",
        "OPENAI_API_KEY": "sk-mine",
        "ANTHROPIC_API_KEY": "ak-mine",
    }
    environ = dict(mine)

    injected = inject_sdk_environment(config, environ)

    assert {name: environ[name] for name in mine} == mine
    assert injected == TELEMETRY_OFF


def test_vendor_telemetry_is_off_unless_the_agent_turns_it_on():
    config = load_config({"LLM_GATEWAY_URL": "http://h/llm/v1/chat/completions"})
    environ = {"OPENAI_AGENTS_DISABLE_TRACING": "0"}

    inject_sdk_environment(config, environ)

    assert environ["OPENAI_AGENTS_DISABLE_TRACING"] == "0"
    assert environ["CREWAI_DISABLE_TELEMETRY"] == "true"
