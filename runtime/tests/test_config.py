"""Reading the runtime settings from the environment."""

from __future__ import annotations

import json

import pytest

from runagents_runtime.config import ConfigError, ModelRole, ToolRoute, load_config


@pytest.mark.parametrize("variable", ["TOOL_DEFINITIONS_JSON", "TOOL_ROUTES_JSON"])
def test_malformed_json_is_a_start_up_error_naming_the_variable(variable):
    with pytest.raises(ConfigError, match=variable):
        load_config({variable: "{not json"})


def test_route_without_a_tool_is_a_start_up_error():
    with pytest.raises(ConfigError, match="TOOL_ROUTES_JSON entry 'f'"):
        load_config({"TOOL_ROUTES_JSON": json.dumps({"f": {"path": "/x"}})})


def test_non_numeric_max_tool_iterations_is_a_start_up_error():
    with pytest.raises(ConfigError, match="MAX_TOOL_ITERATIONS"):
        load_config({"MAX_TOOL_ITERATIONS": "ten"})


def test_defaults_when_the_environment_is_empty():
    config = load_config({})

    assert (config.host, config.port, config.max_tool_iterations) == ("0.0.0.0", 8080, 10)
    assert config.tool_routes == {}
    assert config.llm_gateway_health_url is None


def test_tool_urls_match_names_with_hyphens_or_dots_and_routes_default_to_post():
    config = load_config(
        {
            "TOOL_NAMES": "my-tool, other.v2",
            "TOOL_URL_MY_TOOL": "http://my-tool:8080/",
            "TOOL_URL_OTHER_V2": "http://other",
            "TOOL_URL_DETECTED_ALIAS": "http://alias",
            "TOOL_ROUTES_JSON": json.dumps({"my_tool__get": {"tool": "my-tool", "path": "items/{id}"}}),
        }
    )

    assert config.tool_names == ("my-tool", "other.v2")
    assert config.tool_urls == {
        "my-tool": "http://my-tool:8080",
        "other.v2": "http://other",
        "detected_alias": "http://alias",
    }
    assert config.tool_url("my-tool") == "http://my-tool:8080"
    assert config.tool_routes["my_tool__get"] == ToolRoute(tool="my-tool", method="POST", path="/items/{id}")


def test_gateway_health_url_is_derived_from_the_chat_completions_url():
    config = load_config({"LLM_GATEWAY_URL": "http://h:8000/llm/v1/chat/completions"})

    assert config.llm_gateway_health_url == "http://h:8000/llm/healthz"


def test_role_models_are_read_with_their_providers():
    config = load_config(
        {
            "LLM_MODEL_EMBEDDING": "text-embedding-3-small",
            "LLM_PROVIDER_EMBEDDING": "openai",
            "LLM_MODEL_RERANKING": "r",
        }
    )

    assert config.model_roles == {
        "embedding": ModelRole("text-embedding-3-small", "openai"),
        "reranking": ModelRole("r", ""),
    }


def test_agent_token_is_kept_out_of_the_settings_repr():
    config = load_config({"RUNAGENTS_AGENT_TOKEN": "very-secret-token"})

    assert "very-secret-token" not in repr(config)
