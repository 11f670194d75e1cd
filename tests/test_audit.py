"""The audit trail: a change made through the API is recorded with who made it, reaches the policy service's
store through the bus, and is read at /api/v1/audit; the changed resource shows who made and last changed it.

The policy service, the gateway and the analyzer hosted together, in each run mode (dev: SQLite + in-process
bus; distributed: Postgres + RabbitMQ in a private namespace).
"""

import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from runagents_analyzer.component import create_component as create_analyzer
from runagents_analyzer.settings import AnalyzerSettings
from runagents_common.bus import Bus, InMemoryBus
from runagents_common.bus.rabbitmq import RabbitMQBus
from runagents_common.events.envelope import Envelope
from runagents_common.service import ServiceHost, create_host_app
from runagents_common.testing import ADMIN_HEADERS, DeadLetters, delete_namespace, eventually, fresh_database, serve_app
from runagents_gateway.component import create_component as create_gateway
from runagents_gateway.settings import GatewaySettings
from runagents_policy.component import create_component as create_policy
from runagents_policy.settings import PolicySettings

SERVICES = ["policy", "gateway", "analyzer"]
ADMIN_ID = "bootstrap:env"


@dataclass
class Platform:
    client: httpx.AsyncClient
    bus: Bus
    dead_lettered: Callable[[], Awaitable[list[bytes]]]


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture(params=["dev", "distributed"])
async def platform(request: pytest.FixtureRequest, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    monkeypatch.setenv("RUNAGENTS_DATA_DIR", str(tmp_path))
    # The analyzer asks the registries over HTTP; nothing answers there, which it tolerates.
    monkeypatch.setenv("RUNAGENTS_POLICY_URL", _closed_port_url())
    monkeypatch.setenv("RUNAGENTS_GATEWAY_URL", _closed_port_url())
    bus: Bus
    with fresh_database() as database_url:
        if request.param == "dev":
            monkeypatch.setenv("RUNAGENTS_MODE", "dev")
            memory = InMemoryBus()
            bus = memory

            async def dead_lettered() -> list[bytes]:
                return [letter.body for letter in memory.dead_letters if letter.consumer == "policy"]
        else:
            monkeypatch.setenv("RUNAGENTS_MODE", "distributed")
            monkeypatch.setenv("DATABASE_URL", database_url)
            monkeypatch.setenv("RUNAGENTS_GATEWAY_SECRET_KEY", "gateway-test-secret-0123456789abcdef")
            rabbit = RabbitMQBus(request.getfixturevalue("amqp_url"),
                                 namespace=request.getfixturevalue("bus_namespace"))
            bus = rabbit
            letters = DeadLetters(rabbit, request.getfixturevalue("amqp_url"))

            async def dead_lettered() -> list[bytes]:
                return await letters.of("policy")
        components = [create_policy(PolicySettings(platform_url="http://127.0.0.1:9")),
                      create_gateway(GatewaySettings(platform_url="http://127.0.0.1:9")),
                      create_analyzer(AnalyzerSettings(platform_url="http://127.0.0.1:9"))]
        app = create_host_app(ServiceHost(components, bus, migrate_on_start=True, outbox_poll_seconds=0.05),
                              "policy, gateway and analyzer")
        async with serve_app(app) as base_url, httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            yield Platform(client, bus, dead_lettered)
        if isinstance(bus, RabbitMQBus):
            await delete_namespace(request.getfixturevalue("amqp_url"), bus.namespace, SERVICES)


async def operator_key(client: httpx.AsyncClient, name: str) -> tuple[dict[str, str], str]:
    """A new operator API key: the headers that send it, and its prefix."""
    created = await client.post("/api/v1/api-keys", json={"name": name, "role": "operator"}, headers=ADMIN_HEADERS)
    assert created.status_code == 201, created.text
    return {"authorization": f"Bearer {created.json()['key']}"}, created.json()["prefix"]


async def audit(client: httpx.AsyncClient, **filters: Any) -> list[dict[str, Any]]:
    answer = await client.get("/api/v1/audit", params=filters, headers=ADMIN_HEADERS)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def entries_of(client: httpx.AsyncClient, count: int, **filters: Any) -> list[dict[str, Any]]:
    """The audit entries matching ``filters``, once there are ``count`` of them (events travel through the
    outbox and the bus)."""
    found: list[dict[str, Any]] = []

    async def arrived() -> bool:
        found[:] = await audit(client, **filters)
        return len(found) >= count

    await eventually(arrived, message=f"{count} audit entries for {filters}")
    return found


def tool(name: str, base_url: str = "https://api.example.com") -> dict[str, Any]:
    return {"name": name, "base_url": base_url, "capabilities": [{"method": "GET", "path": "/items"}]}


async def test_a_change_is_recorded_with_its_principal_role_action_and_resource(platform: Platform) -> None:
    client = platform.client
    operator, prefix = await operator_key(client, "ci job")
    name = f"tool-{uuid.uuid4().hex[:8]}"

    posted = await client.post("/api/v1/tools", json=tool(name), headers=operator)
    assert posted.status_code == 201, posted.text
    replaced = await client.put(f"/api/v1/tools/{name}", json={"base_url": "https://v2.example.com"},
                                headers=ADMIN_HEADERS)
    assert replaced.status_code == 200, replaced.text

    newest_first = await entries_of(client, 2, resource_type="tool", resource=name)
    assert [(e["action"], e["principal_id"], e["role"]) for e in newest_first] == [
        ("tool.replaced", ADMIN_ID, "admin"), ("tool.registered", f"key:{prefix}", "operator")]
    registered = newest_first[1]
    assert registered["principal_name"] == "ci job" and registered["service"] == "policy"
    assert registered["summary"] == "base URL https://api.example.com, 1 capability"
    key_created = await entries_of(client, 1, action="api_key.created", resource=prefix)
    assert key_created[0]["principal_id"] == ADMIN_ID and key_created[0]["resource_type"] == "api_key"

    shown = (await client.get(f"/api/v1/tools/{name}", headers=operator)).json()
    assert shown["created_by"] == f"ci job (key:{prefix})"
    assert shown["updated_by"].endswith(f"({ADMIN_ID})")


async def test_the_filters_select_by_resource_principal_and_time(platform: Platform) -> None:
    client = platform.client
    operator, prefix = await operator_key(client, "filters")
    first, second = f"first-{uuid.uuid4().hex[:8]}", f"second-{uuid.uuid4().hex[:8]}"
    posted = await client.post("/api/v1/tools", json=tool(first), headers=operator)
    assert posted.status_code == 201, posted.text
    assert (await client.post("/api/v1/tools", json=tool(second), headers=ADMIN_HEADERS)).status_code == 201
    [by_operator] = await entries_of(client, 1, principal=f"key:{prefix}", resource_type="tool")
    assert by_operator["resource"] == first
    assert [e["resource"] for e in await audit(client, principal="filters")] == [first]  # by name too
    [second_entry] = await entries_of(client, 1, resource=second)

    assert [e["resource"] for e in await audit(client, resource_type="tool", since=second_entry["at"])] == [second]
    before = await audit(client, resource_type="tool", before=second_entry["at"])
    assert second not in [e["resource"] for e in before] and first in [e["resource"] for e in before]
    assert await audit(client, resource_type="model_provider", resource=first) == []


async def test_pages_follow_the_cursor_newest_first_without_repeats(platform: Platform) -> None:
    client = platform.client
    names = [f"paged-{i}-{uuid.uuid4().hex[:6]}" for i in range(3)]
    for name in names:
        assert (await client.post("/api/v1/tools", json=tool(name), headers=ADMIN_HEADERS)).status_code == 201
    await entries_of(client, 3, resource_type="tool")

    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"resource_type": "tool", "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/audit", params=params, headers=ADMIN_HEADERS)).json()
        seen += [e["resource"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(names))
    refused = await client.get("/api/v1/audit", params={"cursor": "not-a-cursor"}, headers=ADMIN_HEADERS)
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")


async def test_a_failed_change_records_nothing(platform: Platform) -> None:
    client = platform.client
    name = f"failing-{uuid.uuid4().hex[:8]}"
    invalid = await client.post("/api/v1/tools", json={**tool(name), "base_url": "not a url"}, headers=ADMIN_HEADERS)
    assert invalid.status_code == 422
    assert (await client.delete(f"/api/v1/tools/{name}", headers=ADMIN_HEADERS)).status_code == 404
    viewer = await client.post("/api/v1/api-keys", json={"name": "viewer", "role": "viewer"}, headers=ADMIN_HEADERS)
    refused = await client.post("/api/v1/tools", json=tool(name),
                                headers={"authorization": f"Bearer {viewer.json()['key']}"})
    assert refused.status_code == 403
    # A change after the failed ones: once its entry is in, anything recorded before it would be too.
    assert (await client.post("/api/v1/tools", json=tool(name), headers=ADMIN_HEADERS)).status_code == 201
    assert (await client.post("/api/v1/tools", json=tool(name), headers=ADMIN_HEADERS)).status_code == 409
    assert (await client.delete(f"/api/v1/tools/{name}", headers=ADMIN_HEADERS)).status_code == 204

    entries = await entries_of(client, 2, resource=name)
    assert [e["action"] for e in entries] == ["tool.deleted", "tool.registered"]


async def test_a_provider_key_never_reaches_the_audit(platform: Platform) -> None:
    client = platform.client
    secret = f"sk-audit-{uuid.uuid4().hex}"
    name = f"provider-{uuid.uuid4().hex[:8]}"
    registered = await client.post("/api/v1/model-providers", headers=ADMIN_HEADERS, json={
        "name": name, "kind": "openai-compatible", "base_url": "https://llm.example.com/v1", "api_key": secret,
        "models": [{"name": "small"}]})
    assert registered.status_code == 201, registered.text
    replaced = await client.put(f"/api/v1/model-providers/{name}", headers=ADMIN_HEADERS, json={
        "kind": "openai-compatible", "base_url": "https://llm.example.com/v1", "api_key": secret + "-2",
        "models": [{"name": "small"}]})
    assert replaced.status_code == 200, replaced.text

    entries = await entries_of(client, 2, resource_type="model_provider", resource=name)
    assert [e["action"] for e in entries] == ["model_provider.replaced", "model_provider.registered"]
    assert entries[0]["service"] == "gateway" and "API key replaced" in entries[0]["summary"]
    assert "API key set" in entries[1]["summary"]
    everything = (await client.get("/api/v1/audit", params={"limit": 500}, headers=ADMIN_HEADERS)).text
    assert secret not in everything
    shown = (await client.get(f"/api/v1/model-providers/{name}", headers=ADMIN_HEADERS)).json()
    assert shown["created_by"].endswith(f"({ADMIN_ID})") and shown["updated_by"] == shown["created_by"]


async def test_an_api_key_is_named_by_its_prefix_only_and_a_revocation_is_recorded_once(platform: Platform) -> None:
    client = platform.client
    created = (await client.post("/api/v1/api-keys", json={"name": "short-lived", "role": "viewer"},
                                 headers=ADMIN_HEADERS)).json()
    for _ in range(2):
        assert (await client.delete(f"/api/v1/api-keys/{created['prefix']}", headers=ADMIN_HEADERS)).status_code == 200

    entries = await entries_of(client, 2, resource_type="api_key", resource=created["prefix"])
    assert [e["action"] for e in entries] == ["api_key.revoked", "api_key.created"]
    assert created["key"] not in str(await audit(client, resource_type="api_key"))


async def test_an_upload_shows_who_requested_its_analysis(platform: Platform) -> None:
    client = platform.client
    operator, prefix = await operator_key(client, "uploader")
    accepted = await client.post("/api/v1/analyses", json={"sample": "hello-world"}, headers=operator)
    assert accepted.status_code == 202, accepted.text
    analysis = accepted.json()
    assert analysis["created_by"] == f"uploader (key:{prefix})"

    [entry] = await entries_of(client, 1, resource_type="analysis", resource=analysis["id"])
    assert (entry["action"], entry["principal_id"], entry["service"]) == (
        "analysis.requested", f"key:{prefix}", "analyzer")
    assert (await client.get(f"/api/v1/analyses/{analysis['id']}", headers=operator)).json()["created_by"] == \
        analysis["created_by"]


async def test_a_viewer_reads_the_audit_and_an_anonymous_caller_does_not(platform: Platform) -> None:
    client = platform.client
    viewer = await client.post("/api/v1/api-keys", json={"name": "reader", "role": "viewer"}, headers=ADMIN_HEADERS)
    read = await client.get("/api/v1/audit", headers={"authorization": f"Bearer {viewer.json()['key']}"})
    assert read.status_code == 200
    assert (await client.get("/api/v1/audit")).status_code == 401


async def test_a_malformed_or_forged_audit_event_is_dead_lettered_not_stored(platform: Platform) -> None:
    client = platform.client
    resource = f"forged-{uuid.uuid4().hex[:8]}"
    malformed = Envelope(type="audit.gateway.recorded.v1", source="/runagents/gateway",
                         data={"principal_id": "someone", "resource": resource})
    change = {"principal_id": "key:x", "principal_name": "x", "role": "admin", "action": "tool.deleted",
              "resource_type": "tool", "resource": resource, "at": "2026-01-01T00:00:00Z"}
    forged = Envelope(type="audit.deployer.recorded.v1", source="/runagents/gateway", data=change)
    await platform.bus.publish(malformed)
    await platform.bus.publish(forged)

    async def both_dead_lettered() -> bool:
        return len(await platform.dead_lettered()) >= 2

    await eventually(both_dead_lettered, message="the bad audit events dead-lettered")
    assert {malformed.id, forged.id} <= {Envelope.model_validate_json(body).id
                                         for body in await platform.dead_lettered()}
    # A good event after them is stored: the bad ones did not stop the consumer, and were not stored.
    good = Envelope(type="audit.gateway.recorded.v1", source="/runagents/gateway",
                    data={**change, "resource": resource + "-good"})
    await platform.bus.publish(good)
    await entries_of(client, 1, resource=resource + "-good")
    assert await audit(client, resource=resource) == []


async def test_an_identity_provider_shows_who_registered_and_replaced_it(platform: Platform) -> None:
    client = platform.client
    operator, prefix = await operator_key(client, "identity admin")
    name = f"corp-{uuid.uuid4().hex[:8]}"
    body = {"issuer": "https://login.corp.example/", "audiences": ["agents"],
            "jwks_url": "https://login.corp.example/.well-known/jwks.json"}
    registered = await client.post("/api/v1/identity-providers", json={"name": name, **body}, headers=operator)
    assert registered.status_code == 201, registered.text
    replaced = await client.put(f"/api/v1/identity-providers/{name}", json={**body, "audiences": ["agents", "b"]},
                                headers=ADMIN_HEADERS)
    assert replaced.status_code == 200, replaced.text

    shown = (await client.get(f"/api/v1/identity-providers/{name}", headers=operator)).json()
    assert shown["created_by"] == f"identity admin (key:{prefix})" and shown["updated_by"].endswith(f"({ADMIN_ID})")
    assert (await client.delete(f"/api/v1/identity-providers/{name}", headers=operator)).status_code == 204
    entries = await entries_of(client, 3, resource_type="identity_provider", resource=name)
    assert [(e["action"], e["principal_id"]) for e in entries] == [
        ("identity_provider.deleted", f"key:{prefix}"), ("identity_provider.replaced", ADMIN_ID),
        ("identity_provider.registered", f"key:{prefix}")]
    assert "audiences agents, b" in entries[1]["summary"]
