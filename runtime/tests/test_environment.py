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
# OpenAI-wire clients of other vendors, each variable as its SDK reads it: the groq SDK appends
# /openai/v1/chat/completions to GROQ_BASE_URL; langchain-deepseek and LiteLLM append
# /chat/completions to DEEPSEEK_API_BASE, langchain-together to TOGETHER_API_BASE, LiteLLM to
# OPENROUTER_API_BASE.
VENDORS = {
    "GROQ_BASE_URL": "http://h/llm", "GROQ_API_KEY": "platform-managed",
    "DEEPSEEK_API_BASE": "http://h/llm/v1", "DEEPSEEK_API_KEY": "platform-managed",
    "TOGETHER_API_BASE": "http://h/llm/v1", "TOGETHER_API_KEY": "platform-managed",
    "OPENROUTER_API_BASE": "http://h/llm/v1", "OPENROUTER_API_KEY": "platform-managed",
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
        **VENDORS,
        **TELEMETRY_OFF,
    }


def test_api_keys_carry_the_agent_token_when_it_is_set():
    config = load_config({"LLM_GATEWAY_URL": "http://h/llm/v1/chat/completions", "RUNAGENTS_AGENT_TOKEN": "tok"})
    environ: dict[str, str] = {}

    inject_sdk_environment(config, environ)

    assert environ["OPENAI_API_KEY"] == "tok"
    assert environ["ANTHROPIC_API_KEY"] == "tok"
    assert {environ[name] for name in VENDORS if name.endswith("_API_KEY")} == {"tok"}


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
    assert injected == {**TELEMETRY_OFF, **{name: value.replace("platform-managed", "tok")
                                            for name, value in VENDORS.items()}}


def test_a_vendor_the_agent_configured_itself_is_left_alone_key_and_base_alike():
    config = load_config({"LLM_GATEWAY_URL": "http://h/llm/v1/chat/completions", "RUNAGENTS_AGENT_TOKEN": "tok"})
    environ = {"GROQ_API_KEY": "gsk-mine", "DEEPSEEK_API_BASE": "https://api.deepseek.com/v1"}

    injected = inject_sdk_environment(config, environ)

    # its own key means it talks to the vendor: the agent's token never goes there, nor its key here
    assert environ["GROQ_API_KEY"] == "gsk-mine"
    assert "GROQ_BASE_URL" not in environ
    assert environ["DEEPSEEK_API_BASE"] == "https://api.deepseek.com/v1"
    assert "DEEPSEEK_API_KEY" not in environ
    assert injected["TOGETHER_API_BASE"] == "http://h/llm/v1"
    assert injected["OPENROUTER_API_KEY"] == "tok"


def test_without_a_gateway_no_base_url_and_no_vendor_variable_is_set():
    environ: dict[str, str] = {}

    inject_sdk_environment(load_config({}), environ)

    assert not any(name.endswith(("_BASE_URL", "_API_BASE")) for name in environ)
    assert not set(VENDORS) & set(environ)


def test_no_variable_for_a_wire_the_gateway_does_not_serve():
    config = load_config({"LLM_GATEWAY_URL": "http://h/llm/v1/chat/completions"})
    environ: dict[str, str] = {}

    inject_sdk_environment(config, environ)

    unserved = {"OLLAMA_HOST", "GOOGLE_GEMINI_BASE_URL", "CO_API_URL", "TOGETHER_BASE_URL", "GROQ_API_BASE"}
    assert not unserved & set(environ)


def test_vendor_telemetry_is_off_unless_the_agent_turns_it_on():
    config = load_config({"LLM_GATEWAY_URL": "http://h/llm/v1/chat/completions"})
    environ = {"OPENAI_AGENTS_DISABLE_TRACING": "0"}

    inject_sdk_environment(config, environ)

    assert environ["OPENAI_AGENTS_DISABLE_TRACING"] == "0"
    assert environ["CREWAI_DISABLE_TELEMETRY"] == "true"
