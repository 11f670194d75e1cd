"""Caller identity on /llm: each deployed agent's own gateway key (learnt from the deployer's events,
held as a hash) resolves to the agent, whose wiring decides which provider and model serve a call;
everything else is refused. Limits, fallback, retries and timeouts ride on the same wiring."""

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import pytest
from fastapi import FastAPI

from runagents_common.events.catalog import AgentDeleted, AgentDeployRequested, AgentStatusChanged, Service
from runagents_common.events.envelope import new_envelope
from runagents_common.testing import ADMIN_HEADERS
from runagents_gateway.agent_keys.grants import key_hash
from runagents_gateway.settings import GatewaySettings

from .conftest import FakeUpstream, Gateway, RegisterProvider, StartGateway, serve

AGENT_KEY = "ra-agent-test-key-of-the-hello-agent"
HELLO = [{"role": "user", "content": "hello"}]


async def publish(gateway: Gateway, data: Any) -> None:
    await gateway.bus.publish(new_envelope(data.event_type, Service.DEPLOYER.source, data, subject=data.agent))
    await gateway.bus.drain()


async def deploy(gateway: Gateway, key: str = AGENT_KEY, agent: str = "hello", deployment_id: str = "d1",
                 **wiring: Any) -> None:
    wiring.setdefault("models", {"chat": {"provider": "playground", "model": "playground-mini"}})
    await publish(gateway, AgentDeployRequested(agent=agent, deployment_id=deployment_id,
                                                agent_key_sha256=key_hash(key), **wiring))


@pytest.fixture
def keyed_settings(tmp_path: Path) -> GatewaySettings:
    return GatewaySettings(mode="dev", data_dir=tmp_path, gateway_secret_key="test-gateway-secret-key-0123456789",
                           require_agent_key=True, upstream_retries=0)


@pytest.fixture
async def keyed(start_gateway: StartGateway, keyed_settings: GatewaySettings) -> AsyncIterator[Gateway]:
    async with start_gateway(keyed_settings) as running:
        yield running


async def test_a_call_without_a_key_or_with_a_key_no_agent_has_is_refused_401_in_each_wire(keyed: Gateway) -> None:
    async with httpx.AsyncClient(base_url=keyed.llm_url) as client:
        missing = await client.post("/chat/completions", json={"model": "playground-mini", "messages": HELLO})
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "missing_api_key"
    with pytest.raises(openai.AuthenticationError) as unknown:
        await keyed.client(api_key="sk-made-up").chat.completions.create(model="playground-mini", messages=HELLO)
    assert unknown.value.code == "invalid_api_key"
    with pytest.raises(anthropic.AuthenticationError) as refused:
        await keyed.anthropic(api_key="sk-made-up").messages.create(model="playground-mini", max_tokens=50,
                                                                     messages=HELLO)
    assert refused.value.body["error"]["type"] == "authentication_error"  # type: ignore[index]
    async with httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=keyed.url) as client:
        models = await client.get("/llm/v1/models")
    assert models.status_code == 401
    assert await keyed.events() == []  # refused calls are not recorded


async def test_a_deploy_request_forged_by_another_service_mints_no_key(keyed: Gateway) -> None:
    forged = AgentDeployRequested(agent="ghost", deployment_id="d-ghost", agent_key_sha256=key_hash(AGENT_KEY),
                                  models={"chat": {"provider": "playground", "model": "playground-mini"}})
    await keyed.bus.publish(new_envelope(forged.event_type, Service.POLICY.source, forged, subject="ghost"))
    await keyed.bus.drain()

    assert ["refused as forged" in letter.reason for letter in keyed.bus.dead_letters] == [True]
    with pytest.raises(openai.AuthenticationError):
        await keyed.client(api_key=AGENT_KEY).chat.completions.create(model="playground-mini", messages=HELLO)


async def test_the_agents_key_names_the_caller_whatever_headers_it_sends(keyed: Gateway) -> None:
    await deploy(keyed)
    client = keyed.client(api_key=AGENT_KEY, **{"X-RunAgents-Agent": "someone-else"})
    completion = await client.chat.completions.create(model="playground-mini", messages=HELLO)
    assert completion.choices[0].message.content
    [call] = await keyed.wait_for_calls(1)
    assert call["agent"] == "hello"
    assert (call["provider"], call["model"]) == ("playground", "playground-mini")
    # The anthropic SDK sends the same key as x-api-key.
    answer = await keyed.anthropic(api_key=AGENT_KEY).messages.create(model="playground-mini", max_tokens=50,
                                                                       messages=HELLO)
    assert answer.type == "message"


async def test_the_model_the_code_names_is_served_by_the_model_wired_for_its_role(keyed: Gateway) -> None:
    await deploy(keyed, models={"chat": {"provider": "playground", "model": "playground-mini"},
                                "embedding": {"provider": "playground", "model": "playground-embed"}},
                 model_aliases={"gpt-4o-mini": "chat", "text-embedding-3-small": "embedding"})
    client = keyed.client(api_key=AGENT_KEY)
    await client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    # A name analysis did not see is served by the chat model too: the wiring decides, not the name.
    await client.chat.completions.create(model="gpt-5-turbo-whatever", messages=HELLO)
    embedding = await client.embeddings.create(model="text-embedding-3-small", input="hello")
    assert embedding.data[0].embedding
    calls = await keyed.wait_for_calls(3)
    assert [(c["provider"], c["model"]) for c in calls] == [
        ("playground", "playground-mini"), ("playground", "playground-mini"),
        ("playground", "playground-embed")]
    listed = await client.models.list()
    assert sorted(model.id for model in listed.data) == [
        "gpt-4o-mini", "playground-embed", "playground-mini", "text-embedding-3-small"]


async def test_a_provider_or_role_the_agent_is_not_wired_to_is_refused_403(
    keyed: Gateway, upstream: FakeUpstream, register_provider: RegisterProvider
) -> None:
    await register_provider(keyed, name="paid", kind="openai-compatible", base_url=f"{upstream.url}/v1",
                            api_key="sk-upstream", models=[{"name": "gpt-4o"}])
    await deploy(keyed)
    client = keyed.client(api_key=AGENT_KEY)
    with pytest.raises(openai.PermissionDeniedError) as explicit:
        await client.chat.completions.create(model="paid/gpt-4o", messages=HELLO)
    assert explicit.value.code == "model_not_wired"
    assert "playground/playground-mini" in explicit.value.message
    with pytest.raises(openai.PermissionDeniedError) as no_embedding:
        await client.embeddings.create(model="text-embedding-3-small", input="hello")
    assert "no embedding model wired" in no_embedding.value.message
    # "gpt-4o" by name is served by the agent's own chat model, never by the provider it did not wire.
    await client.chat.completions.create(model="gpt-4o", messages=HELLO)
    assert upstream.requests == []


async def test_deleting_the_agent_revokes_its_key_at_once(keyed: Gateway) -> None:
    await deploy(keyed)
    client = keyed.client(api_key=AGENT_KEY)
    await client.chat.completions.create(model="playground-mini", messages=HELLO)
    await publish(keyed, AgentDeleted(agent="hello"))
    with pytest.raises(openai.AuthenticationError):
        await client.chat.completions.create(model="playground-mini", messages=HELLO)


async def test_a_redeploy_keeps_the_old_key_until_the_new_deployment_runs(keyed: Gateway) -> None:
    await deploy(keyed, key="key-one", deployment_id="d1")
    await deploy(keyed, key="key-two", deployment_id="d2")
    old, new = keyed.client(api_key="key-one"), keyed.client(api_key="key-two")
    await old.chat.completions.create(model="playground-mini", messages=HELLO)  # the old one still serves
    await new.chat.completions.create(model="playground-mini", messages=HELLO)
    await publish(keyed, AgentStatusChanged(agent="hello", deployment_id="d2", status="Running"))
    with pytest.raises(openai.AuthenticationError):
        await old.chat.completions.create(model="playground-mini", messages=HELLO)
    await new.chat.completions.create(model="playground-mini", messages=HELLO)


async def test_a_key_deployed_through_another_replica_is_found_on_first_use(
    start_gateway: StartGateway, keyed_settings: GatewaySettings
) -> None:
    async with start_gateway(keyed_settings) as first, start_gateway(keyed_settings) as second:
        with pytest.raises(openai.AuthenticationError):  # the second replica has loaded its keys: none yet
            await second.client(api_key=AGENT_KEY).chat.completions.create(model="playground-mini", messages=HELLO)
        # Only the first replica consumes the event; the second shares its database.
        await deploy(first)
        await asyncio.sleep(1.1)  # an unknown key reloads the keys at most once a second
        completion = await second.client(api_key=AGENT_KEY).chat.completions.create(
            model="playground-mini", messages=HELLO)
        assert completion.choices[0].message.content


async def test_requests_beyond_the_agents_rate_are_refused_429_with_retry_after(keyed: Gateway) -> None:
    await deploy(keyed, llm_limits={"requests_per_minute": 2})
    client = keyed.client(api_key=AGENT_KEY)
    for _ in range(2):
        await client.chat.completions.create(model="playground-mini", messages=HELLO)
    with pytest.raises(openai.RateLimitError) as limited:
        await client.chat.completions.create(model="playground-mini", messages=HELLO)
    assert limited.value.code == "rate_limit_exceeded"
    assert 1 <= int(limited.value.response.headers["retry-after"]) <= 30


async def test_an_agent_that_spent_its_daily_tokens_is_refused_429_until_midnight(keyed: Gateway) -> None:
    await deploy(keyed, llm_limits={"tokens_per_day": 5})
    client = keyed.client(api_key=AGENT_KEY)
    await client.chat.completions.create(model="playground-mini", messages=HELLO)  # within budget when it began
    await keyed.wait_for_calls(1)
    with pytest.raises(anthropic.RateLimitError) as spent:
        await keyed.anthropic(api_key=AGENT_KEY).messages.create(model="playground-mini", max_tokens=20,
                                                                  messages=HELLO)
    assert "budget of 5 tokens" in spent.value.message
    assert 0 < int(spent.value.response.headers["retry-after"]) <= 86400


async def test_a_retryable_failure_of_the_wired_provider_moves_the_call_to_its_fallback(
    keyed: Gateway, upstream: FakeUpstream, register_provider: RegisterProvider
) -> None:
    await register_provider(keyed, name="primary", kind="openai-compatible", base_url=f"{upstream.url}/v1",
                            api_key="sk-upstream", models=[{"name": "gpt-4o-mini"}])
    upstream.failure = (503, {}, b'{"error": {"message": "overloaded", "type": "server_error"}}')
    await deploy(keyed, models={"chat": {"provider": "primary", "model": "gpt-4o-mini"}},
                 model_fallbacks={"chat": {"provider": "playground", "model": "playground-mini"}})
    client = keyed.client(api_key=AGENT_KEY)
    completion = await client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    assert completion.model == "playground-mini"
    stream = await client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True)
    assert "".join([chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices])
    assert len(upstream.requests) == 2
    calls = await keyed.wait_for_calls(2)
    assert [c["provider"] for c in calls] == ["playground", "playground"]
    # A refusal is the caller's to see, not a reason to go elsewhere.
    upstream.failure = (400, {}, b'{"error": {"message": "bad messages", "type": "invalid_request_error"}}')
    with pytest.raises(openai.BadRequestError):
        await client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)


async def test_retries_follow_retry_after_and_stop_once_a_stream_began(
    start_gateway: StartGateway, tmp_path: Path, upstream: FakeUpstream, register_provider: RegisterProvider
) -> None:
    settings = GatewaySettings(mode="dev", data_dir=tmp_path, gateway_secret_key="test-gateway-secret-key-0123456789",
                               require_agent_key=False, upstream_retries=2)
    async with start_gateway(settings) as gateway:
        await register_provider(gateway, name="flaky", kind="openai-compatible", base_url=f"{upstream.url}/v1",
                                api_key="sk-upstream", models=[{"name": "gpt-4o-mini"}])
        upstream.failure = (429, {"retry-after": "0"}, b'{"error": {"message": "slow down", "type": "requests"}}')
        with pytest.raises(openai.RateLimitError) as limited:
            await gateway.client().chat.completions.create(model="gpt-4o-mini", messages=HELLO)
        assert len(upstream.requests) == 3  # the first try and two retries
        assert limited.value.response.headers["retry-after"] == "0"

        upstream.requests.clear()
        upstream.failure = (429, {"retry-after": "3600"}, b'{"error": {"message": "quota", "type": "requests"}}')
        with pytest.raises(openai.RateLimitError):
            await gateway.client().chat.completions.create(model="gpt-4o-mini", messages=HELLO)
        assert len(upstream.requests) == 1  # an hour is the client's to wait, not the gateway's

        upstream.requests.clear()
        upstream.failure = None
        upstream.error_mid_stream = {"error": {"message": "upstream broke", "type": "server_error"}}
        stream = await gateway.client().chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True)
        with pytest.raises(openai.APIError):
            async for _ in stream:
                pass
        assert len(upstream.requests) == 1


async def test_a_provider_that_answers_too_late_is_a_504_within_the_clients_own_timeout(
    start_gateway: StartGateway, tmp_path: Path, register_provider: RegisterProvider
) -> None:
    slow = FastAPI()
    calls = 0

    @slow.post("/v1/chat/completions")
    async def late() -> dict[str, Any]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(5)
        return {}

    settings = GatewaySettings(mode="dev", data_dir=tmp_path, gateway_secret_key="test-gateway-secret-key-0123456789",
                               require_agent_key=False, upstream_retries=2)
    async with serve(slow) as slow_url, start_gateway(settings) as gateway:
        await register_provider(gateway, name="slow", kind="openai-compatible", base_url=f"{slow_url}/v1",
                                models=[{"name": "slow-model"}], timeout_seconds=0.3, max_retries=0)
        with pytest.raises(openai.APIStatusError) as late_answer:
            await gateway.client().chat.completions.create(model="slow-model", messages=HELLO)
        assert late_answer.value.status_code == 504
        assert late_answer.value.code == "upstream_timeout"
        assert calls == 1

        # The client's own timeout (the SDKs send it as x-stainless-timeout) bounds retries too.
        await register_provider(gateway, name="slow-retried", kind="openai-compatible",
                                base_url=f"{slow_url}/v1", models=[{"name": "slow-retried-model"}],
                                timeout_seconds=30, max_retries=3)
        calls = 0
        # Had the gateway waited its provider's 30 s, this client would time out before any answer.
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(f"{gateway.llm_url}/chat/completions",
                                         headers={"x-runagents-timeout": "0.5"},
                                         content=json.dumps({"model": "slow-retried-model", "messages": HELLO}))
        assert response.status_code == 504, response.text
        assert calls == 1  # no retry starts past the client's deadline
