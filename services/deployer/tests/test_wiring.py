import json

from runagents_deployer.agents.schemas import AgentCreate
from runagents_deployer.wiring.environment import env_name, runtime_environment
from runagents_deployer.wiring.registry import RegisteredProvider, RegisteredTool
from runagents_deployer.wiring.validation import wiring_problems

ECHO = RegisteredTool("echo", "http://p/starter/echo", [
    {"method": "POST", "path": "/echo", "function": "echo__echo", "description": "Echo",
     "parameters": {"type": "object", "properties": {"message": {"type": "string"}}}},
])
PLAYGROUND = RegisteredProvider("playground", "playground", ["playground-mini", "playground-embed"])
REPORT = {
    "tools": [{"name": "echo", "base_url": "http://localhost:8000/starter/echo"}],
    "llm_usage": [{"provider": "openai", "model": "playground-mini", "role": "chat", "file": "agent.py", "line": 9}],
}


def request(**overrides: object) -> AgentCreate:
    body = {"name": "hello", "analysis_id": "a1", "tools": {"echo": "echo"},
            "models": {"chat": {"provider": "playground", "model": "playground-mini"}}, **overrides}
    return AgentCreate.model_validate(body)


def test_complete_wiring_has_no_problems() -> None:
    assert wiring_problems(request(), REPORT, {"echo": ECHO}, {"playground": PLAYGROUND}, "platform") == []


def test_deploy_fails_when_a_detected_tool_is_unwired() -> None:
    problems = wiring_problems(request(tools={}), REPORT, {"echo": ECHO}, {"playground": PLAYGROUND}, "platform")
    assert problems == ["tool 'echo' (http://localhost:8000/starter/echo) is not wired to a registered tool"]


def test_wiring_to_an_unregistered_tool_or_provider_is_named() -> None:
    problems = wiring_problems(
        request(tools={"echo": "nope"}, models={"chat": {"provider": "ghost", "model": "m"}}),
        REPORT, {"echo": ECHO}, {"playground": PLAYGROUND}, "platform",
    )
    assert any("'nope', which is not a registered tool" in p for p in problems)
    assert any("provider 'ghost', which is not registered" in p for p in problems)


def test_a_model_the_provider_does_not_serve_is_refused() -> None:
    problems = wiring_problems(request(models={"chat": {"provider": "playground", "model": "gpt-9"}}),
                               REPORT, {"echo": ECHO}, {"playground": PLAYGROUND}, "platform")
    assert problems == ["model role 'chat': provider 'playground' does not serve 'gpt-9' "
                        "(it serves playground-mini, playground-embed)"]


def test_an_unwired_model_role_is_named_with_its_location() -> None:
    problems = wiring_problems(request(models={}), REPORT, {"echo": ECHO}, {"playground": PLAYGROUND}, "custom")
    assert problems == ["model role 'chat' (openai playground-mini, agent.py:9) is not wired to a model provider: "
                        'wire it in the deploy request, e.g. "models": {"chat": {"provider": "playground", '
                        '"model": "playground-mini"}}']


def test_authenticated_access_needs_a_registered_identity_provider() -> None:
    def problems(access: dict[str, object], registered: tuple[str, ...] = ("corp",)) -> list[str]:
        return wiring_problems(request(access=access), REPORT, {"echo": ECHO}, {"playground": PLAYGROUND},
                               "platform", identity_providers=registered)

    assert problems({"mode": "authenticated", "identity_provider": "corp"}) == []
    assert problems({"mode": "authenticated", "identity_provider": "ghost"}) == [
        "access trusts identity provider 'ghost', which is not registered"]
    assert problems({"mode": "authenticated"}) == [
        "access mode 'authenticated' needs identity_provider: the registered identity provider whose tokens "
        "callers present"]
    assert problems({"mode": "open", "identity_provider": "corp"}) == [
        "access mode 'open' checks no token, so identity provider 'corp' would not be used: choose mode "
        "'authenticated' or drop identity_provider"]
    assert problems({"mode": "open"}, registered=()) == []


def test_environment_follows_the_runtime_spec() -> None:
    env = runtime_environment(
        agent="hello", system_prompt="Be kind.", tier="custom", entry_point="agent.py",
        tools={"echo-service": "echo"}, registered_tools={"echo": ECHO},
        models={"chat": {"provider": "playground", "model": "playground-mini"},
                "embedding": {"provider": "playground", "model": "playground-embed"}},
        providers={"playground": PLAYGROUND}, gateway_url="http://gw", egress_url="http://pol/egress",
        max_tool_iterations=7,
    )
    assert env["LLM_GATEWAY_URL"] == "http://gw/llm/v1/chat/completions"
    assert (env["LLM_MODEL"], env["LLM_PROVIDER"], env["LLM_PROVIDER_NAME"]) == (
        "playground-mini", "playground", "playground")
    assert env["LLM_MODEL_EMBEDDING"] == "playground-embed"
    assert env["USER_ENTRY_POINT"] == "agent.py"
    assert env["TOOL_URL_ECHO"] == env["TOOL_URL_ECHO_SERVICE"] == "http://pol/egress/hello/echo"
    assert env["TOOL_NAMES"] == "echo"
    assert env["MAX_TOOL_ITERATIONS"] == "7"
    assert json.loads(env["TOOL_ROUTES_JSON"]) == {"echo__echo": {"tool": "echo", "method": "POST", "path": "/echo"}}
    assert json.loads(env["TOOL_DEFINITIONS_JSON"])[0]["function"]["name"] == "echo__echo"
    assert not any(key.startswith(("OPENAI_", "ANTHROPIC_")) for key in env)


def test_platform_tier_gets_no_entry_point() -> None:
    env = runtime_environment(
        agent="a", system_prompt="", tier="platform", entry_point="agent.py", tools={}, registered_tools={},
        models={}, providers={}, gateway_url="http://gw", egress_url="http://e", max_tool_iterations=10,
    )
    assert "USER_ENTRY_POINT" not in env and env["TOOL_NAMES"] == ""


def test_tool_env_names_are_uppercased_with_underscores() -> None:
    assert env_name("my-tool.v2") == "MY_TOOL_V2"


def test_agent_names_must_be_dns_safe() -> None:
    import pytest
    from pydantic import ValidationError

    for bad in ("Hello", "-x", "a_b", "x" * 64):
        with pytest.raises(ValidationError):
            request(name=bad)


def test_a_deploy_request_with_an_unknown_field_is_refused_naming_it() -> None:
    import pytest
    from pydantic import ValidationError

    for overrides, location in [
        ({"tool": {"echo": "echo"}}, ("tool",)),  # misspelt: the tools would silently stay unwired
        ({"access": {"mode": "authenticated", "identity-provider": "corp"}}, ("access", "identity-provider")),
        ({"models": {"chat": {"provider": "playground", "model": "m", "api_key": "sk-x"}}},
         ("models", "chat", "api_key")),
        ({"models": {"chat": {"provider": "p", "model": "m", "fallback": {"provider": "q", "model": "n", "x": 1}}}},
         ("models", "chat", "fallback", "x")),
    ]:
        with pytest.raises(ValidationError) as refused:
            request(**overrides)
        assert [(error["loc"], error["type"]) for error in refused.value.errors()] == [(location, "extra_forbidden")]
