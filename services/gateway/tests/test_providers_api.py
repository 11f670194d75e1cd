"""The model provider registry: /api/v1/model-providers, on SQLite and on Postgres."""

import logging
from typing import Any

import httpx
import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import select

from runagents_common.testing import ADMIN_HEADERS
from runagents_gateway.component import create_component
from runagents_gateway.providers.models import ModelProvider
from runagents_gateway.providers.secrets import KeyCipher, UnreadableKey
from runagents_gateway.settings import GatewaySettings, MissingSecretKey

from .conftest import SECRET_KEY, UPSTREAM_KEY, FakeUpstream, Gateway, StartGateway

PROVIDERS = "/api/v1/model-providers"


def local_llm(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "local-llm",
        "kind": "openai-compatible",
        "base_url": "http://127.0.0.1:9/v1",
        "api_key": UPSTREAM_KEY,
        "models": [{"name": "llama-3-8b", "role": "chat"}, {"name": "nomic-embed", "role": "embedding"}],
        **overrides,
    }


async def test_starter_kit_registers_the_playground_provider_with_its_two_models(api: httpx.AsyncClient) -> None:
    response = await api.get(f"{PROVIDERS}/playground")

    assert response.status_code == 200
    playground = response.json()
    assert playground["kind"] == "playground"
    assert playground["has_api_key"] is False
    assert playground["models"] == [
        {"name": "playground-mini", "role": "chat"},
        {"name": "playground-embed", "role": "embedding"},
    ]


async def test_starter_kit_is_seeded_once_across_restarts(start_gateway: StartGateway,
                                                          sqlite_settings: GatewaySettings) -> None:
    for _ in range(2):
        async with start_gateway(sqlite_settings) as gateway, \
                httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=gateway.url) as api:
            names = [p["name"] for p in (await api.get(PROVIDERS)).json()["items"]]
        assert names == ["playground"]


async def test_registered_provider_is_returned_with_has_api_key_and_never_the_key(api: httpx.AsyncClient) -> None:
    created = await api.post(PROVIDERS, json=local_llm())

    assert created.status_code == 201
    body = created.json()
    assert body["has_api_key"] is True
    assert "api_key" not in body
    assert body["base_url"] == "http://127.0.0.1:9/v1"
    assert body["models"][1] == {"name": "nomic-embed", "role": "embedding"}
    for response in (created, await api.get(PROVIDERS), await api.get(f"{PROVIDERS}/local-llm")):
        assert UPSTREAM_KEY not in response.text


async def test_listing_returns_every_provider_by_name(api: httpx.AsyncClient) -> None:
    await api.post(PROVIDERS, json=local_llm(name="zeta"))
    await api.post(PROVIDERS, json=local_llm(name="alpha"))

    names = [p["name"] for p in (await api.get(PROVIDERS)).json()["items"]]

    assert names == ["alpha", "playground", "zeta"]


async def test_put_replaces_fields_and_keeps_the_key_when_none_is_given(api: httpx.AsyncClient) -> None:
    await api.post(PROVIDERS, json=local_llm())

    replaced = await api.put(f"{PROVIDERS}/local-llm", json={
        "kind": "openai-compatible", "base_url": "http://10.0.0.5:8000/v1", "models": [{"name": "qwen-7b"}],
    })

    assert replaced.status_code == 200
    body = replaced.json()
    assert body["base_url"] == "http://10.0.0.5:8000/v1"
    assert body["models"] == [{"name": "qwen-7b", "role": "chat"}]
    assert body["has_api_key"] is True
    assert body["updated_at"] >= body["created_at"]


async def test_put_with_an_empty_key_removes_the_stored_key(api: httpx.AsyncClient) -> None:
    await api.post(PROVIDERS, json=local_llm())

    replaced = await api.put(f"{PROVIDERS}/local-llm", json={
        "kind": "openai-compatible", "base_url": "http://127.0.0.1:9/v1", "api_key": "", "models": [],
    })

    assert replaced.status_code == 200
    assert replaced.json()["has_api_key"] is False


async def test_put_cannot_rename_a_provider(api: httpx.AsyncClient) -> None:
    await api.post(PROVIDERS, json=local_llm())

    replaced = await api.put(f"{PROVIDERS}/local-llm", json={**local_llm(), "name": "renamed"})

    assert replaced.status_code == 422
    assert "name" in replaced.json()["detail"]


async def test_deleted_provider_is_gone(api: httpx.AsyncClient) -> None:
    await api.post(PROVIDERS, json=local_llm())

    deleted = await api.delete(f"{PROVIDERS}/local-llm")

    assert deleted.status_code == 204
    assert (await api.get(f"{PROVIDERS}/local-llm")).status_code == 404


async def test_registering_a_taken_name_is_a_409_problem(api: httpx.AsyncClient) -> None:
    await api.post(PROVIDERS, json=local_llm())

    again = await api.post(PROVIDERS, json=local_llm(kind="openai"))

    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["code"] == "conflict"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_unknown_provider_is_a_404_problem(api: httpx.AsyncClient, method: str) -> None:
    replacement = {"kind": "playground", "models": []} if method == "PUT" else None

    response = await api.request(method, f"{PROVIDERS}/nope", json=replacement)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "nope" in response.json()["detail"]


@pytest.mark.parametrize("overrides, complaint", [
    ({"name": "Not_DNS_Safe"}, "name"),
    ({"kind": "cohere"}, "kind"),
    ({"base_url": None}, "needs a base_url"),
    ({"base_url": "not a url"}, "base_url"),
    ({"models": [{"name": "a"}, {"name": "a"}]}, "models listed twice"),
    ({"models": [{"name": "a", "role": "vision"}]}, "role"),
    ({"apiKey": "sk-typo"}, "apiKey"),
    ({"kind": "playground"}, "takes no base_url"),
])
async def test_invalid_provider_is_a_422_problem_that_says_why(sqlite_api: httpx.AsyncClient,
                                                              overrides: dict[str, Any], complaint: str) -> None:
    response = await sqlite_api.post(PROVIDERS, json=local_llm(**overrides))

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert complaint in response.json()["detail"]
    assert UPSTREAM_KEY not in response.text


async def test_openai_provider_without_base_url_points_at_api_openai_com(api: httpx.AsyncClient) -> None:
    response = await api.post(PROVIDERS, json={"name": "openai", "kind": "openai", "models": [{"name": "gpt-4o-mini"}]})

    assert response.json()["base_url"] == "https://api.openai.com/v1"


async def test_api_key_is_stored_encrypted_with_the_configured_secret(api: httpx.AsyncClient, gateway: Gateway) -> None:
    await api.post(PROVIDERS, json=local_llm())

    async with gateway.component.database.session() as session:
        stored = (await session.scalars(select(ModelProvider).where(ModelProvider.name == "local-llm"))).one()

    assert stored.encrypted_api_key is not None
    assert UPSTREAM_KEY not in stored.encrypted_api_key
    assert KeyCipher(SecretStr(SECRET_KEY)).decrypt(stored.encrypted_api_key).get_secret_value() == UPSTREAM_KEY
    with pytest.raises(UnreadableKey):
        KeyCipher(SecretStr("another-secret-key-entirely-000")).decrypt(stored.encrypted_api_key)


def test_gateway_refuses_to_start_without_a_secret_key_outside_dev_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUNAGENTS_GATEWAY_SECRET_KEY", raising=False)
    database_url = "postgresql+asyncpg://runagents:db-password-42@127.0.0.1/runagents"

    with pytest.raises(MissingSecretKey, match="RUNAGENTS_GATEWAY_SECRET_KEY") as raised:
        create_component(GatewaySettings(mode="distributed", database_url=database_url))

    assert "db-password-42" not in str(raised.value)
    assert GatewaySettings(mode="dev").secret_key().get_secret_value()


def test_too_short_secret_key_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValidationError) as raised:
        GatewaySettings(mode="distributed", gateway_secret_key="short-secret")

    assert "short-secret" not in str(raised.value)


URL_PASSWORD = "url-password-never-shown-7c1e"


@pytest.mark.parametrize("base_url", [
    f"https://alice:{URL_PASSWORD}@llm.example/v1",
    f"https://{URL_PASSWORD}@llm.example/v1",
    f"http://alice:{URL_PASSWORD}@127.0.0.1:9/v1",
])
async def test_a_base_url_with_credentials_is_refused_and_never_echoed(api: httpx.AsyncClient, base_url: str) -> None:
    refused = await api.post(PROVIDERS, json=local_llm(base_url=base_url))
    await api.post(PROVIDERS, json=local_llm(name="kept"))
    replaced = await api.put(f"{PROVIDERS}/kept", json={"kind": "openai-compatible", "base_url": base_url})

    for answer in (refused, replaced):
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert "put credentials in api_key, not in base_url" in answer.json()["detail"]
        assert URL_PASSWORD not in answer.text
    assert (await api.get(f"{PROVIDERS}/local-llm")).status_code == 404
    assert (await api.get(f"{PROVIDERS}/kept")).json()["base_url"] == "http://127.0.0.1:9/v1"


async def test_a_base_url_stored_with_credentials_before_is_shown_and_logged_without_them(
        sqlite_gateway: Gateway, upstream: FakeUpstream, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    host = upstream.url.removeprefix("http://")
    upstream.failure = (503, {"retry-after": "0"}, b'{"error": {"message": "busy"}}')
    async with httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=sqlite_gateway.url) as api:
        registered = await api.post(PROVIDERS, json=local_llm(name="legacy", base_url=f"{upstream.url}/v1",
                                                              api_key=None, models=[{"name": "legacy-model"}],
                                                              max_retries=1))
        assert registered.status_code == 201, registered.text
        async with sqlite_gateway.component.database.session() as session:  # as a gateway before the fix kept it
            legacy = await session.scalar(select(ModelProvider).where(ModelProvider.name == "legacy"))
            assert legacy is not None
            legacy.base_url = f"http://alice:{URL_PASSWORD}@{host}/v1"
        caplog.clear()  # what the test itself wrote (the UPDATE) is not the gateway's logging
        shown = await api.get(f"{PROVIDERS}/legacy")
        listed = await api.get(PROVIDERS)
        called = await api.post("/llm/v1/chat/completions",
                                json={"model": "legacy-model", "messages": [{"role": "user", "content": "hi"}]})

    assert shown.json()["base_url"] == f"http://{host}/v1"
    assert URL_PASSWORD not in shown.text and URL_PASSWORD not in listed.text and URL_PASSWORD not in called.text
    assert len(upstream.requests) == 2, (called.text, upstream.requests)
    assert any("retrying" in record.getMessage() for record in caplog.records)
    assert URL_PASSWORD not in caplog.text
    assert all(URL_PASSWORD not in repr(record.args) for record in caplog.records)
