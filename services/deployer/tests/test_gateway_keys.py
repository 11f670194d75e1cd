"""Each deployment's LLM gateway key: derived, never stored, different per deployment; what the
deploy event tells the gateway of it and of the wiring."""

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from runagents_deployer.agents.gateway_keys import KEY_PREFIX, agent_gateway_key, key_sha256
from runagents_deployer.agents.schemas import AgentCreate
from runagents_deployer.agents.service import model_aliases
from runagents_deployer.settings import DeployerSettings, MissingSecretKey
from runagents_deployer.wiring.environment import runtime_environment
from runagents_deployer.wiring.registry import RegisteredProvider
from runagents_deployer.wiring.validation import wiring_problems

SECRET = SecretStr("deployer-test-secret-0123456789")
PLAYGROUND = RegisteredProvider("playground", "playground", ["playground-mini", "playground-embed"])
OPENAI = RegisteredProvider("openai", "openai", ["gpt-4o-mini"])


def test_each_deployment_gets_its_own_key_and_only_the_secret_derives_it() -> None:
    key = agent_gateway_key(SECRET, "hello", "d1")
    assert key.startswith(KEY_PREFIX) and len(key) > 40
    assert key == agent_gateway_key(SECRET, "hello", "d1")
    assert key != agent_gateway_key(SECRET, "hello", "d2")
    assert key != agent_gateway_key(SECRET, "hello2", "d1")
    assert key != agent_gateway_key(SecretStr("another-secret-0123456789"), "hello", "d1")
    assert len(key_sha256(key)) == 64 and key not in key_sha256(key)


def test_the_runtime_gets_the_key_and_no_provider_key() -> None:
    env = runtime_environment(
        agent="hello", system_prompt="", tier="platform", entry_point=None, tools={}, registered_tools={},
        models={"chat": {"provider": "playground", "model": "playground-mini"}}, providers={"playground": PLAYGROUND},
        gateway_url="http://gw", egress_url="http://e", max_tool_iterations=3, agent_key="ra-agent-abc",
    )
    assert env["RUNAGENTS_AGENT_TOKEN"] == "ra-agent-abc"
    assert not any(name.startswith(("OPENAI_", "ANTHROPIC_")) for name in env)


def test_dev_mode_keeps_one_private_secret_in_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUNAGENTS_DEPLOYER_SECRET_KEY", raising=False)
    first = DeployerSettings(mode="dev", data_dir=tmp_path).agent_key_secret()
    again = DeployerSettings(mode="dev", data_dir=tmp_path).agent_key_secret()
    assert first.get_secret_value() == again.get_secret_value() and len(first.get_secret_value()) >= 32
    [secret_file] = tmp_path.iterdir()
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    with pytest.raises(MissingSecretKey, match="RUNAGENTS_DEPLOYER_SECRET_KEY"):
        DeployerSettings(mode="distributed", data_dir=tmp_path).agent_key_secret()


def test_aliases_are_the_model_names_analysis_found_for_each_wired_role() -> None:
    request = AgentCreate.model_validate({
        "name": "hello", "analysis_id": "a1",
        "models": {"chat": {"provider": "playground", "model": "playground-mini"}},
    })
    report = {"llm_usage": [
        {"model": "gpt-4o-mini", "role": "chat"}, {"model": None, "role": "chat"},
        {"model": "claude-sonnet-4", "role": None}, {"model": "text-embedding-3-small", "role": "embedding"},
    ]}
    assert model_aliases(report, request) == {"gpt-4o-mini": "chat", "claude-sonnet-4": "chat"}


def test_a_fallback_must_be_a_registered_provider_serving_the_model() -> None:
    def problems(fallback: dict[str, str]) -> list[str]:
        request = AgentCreate.model_validate({
            "name": "hello", "analysis_id": "a1",
            "models": {"chat": {"provider": "openai", "model": "gpt-4o-mini", "fallback": fallback}},
        })
        return wiring_problems(request, {}, {}, {"openai": OPENAI, "playground": PLAYGROUND}, "platform")

    assert problems({"provider": "playground", "model": "playground-mini"}) == []
    assert problems({"provider": "ghost", "model": "x"}) == [
        "the fallback of model role 'chat' uses provider 'ghost', which is not registered"]
    assert problems({"provider": "playground", "model": "gpt-5"}) == [
        "the fallback of model role 'chat': provider 'playground' does not serve 'gpt-5' "
        "(it serves playground-mini, playground-embed)"]


def test_llm_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        AgentCreate.model_validate({"name": "hello", "analysis_id": "a1", "llm_limits": {"tokens_per_day": 0}})
