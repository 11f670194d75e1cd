"""Who may call which endpoint of the platform's API: a table of every /api/v1 operation and the role it needs,
walked with a key of each role, no credential, a malformed one, a service's key and an agent's own key.

The table is the contract: an operation the services serve that the table lacks (or the reverse) fails the first
test, so a new endpoint gets a line here and a rule in its router."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from runagents.dev import create_dev_app
from runagents_common.auth.service_keys import derive_service_key
from runagents_common.settings import PlatformSettings
from runagents_common.testing import ADMIN_HEADERS, serve_app

PROBLEM_JSON = "application/problem+json"

# The rule of each operation: read (every role), operate (operator, admin), admin, introspect (the platform's
# services only), agent (an invoke: the agent's own access mode decides, not the platform's roles).
RULES: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/analyses"): "operate",
    ("GET", "/api/v1/analyses/{analysis_id}"): "read",
    ("GET", "/api/v1/analyses/{analysis_id}/source"): "read",
    ("GET", "/api/v1/builds"): "read",
    ("GET", "/api/v1/builds/{build_id}"): "read",
    ("GET", "/api/v1/agents"): "read",
    ("POST", "/api/v1/agents"): "operate",
    ("GET", "/api/v1/agents/{name}"): "read",
    ("DELETE", "/api/v1/agents/{name}"): "operate",
    ("GET", "/api/v1/agents/{name}/deployments"): "read",
    ("GET", "/api/v1/agents/{name}/logs"): "read",
    ("POST", "/api/v1/agents/{name}/invoke"): "agent",
    ("POST", "/api/v1/agents/{name}/invoke/stream"): "agent",
    ("GET", "/api/v1/model-providers"): "read",
    ("POST", "/api/v1/model-providers"): "operate",
    ("GET", "/api/v1/model-providers/{name}"): "read",
    ("PUT", "/api/v1/model-providers/{name}"): "operate",
    ("DELETE", "/api/v1/model-providers/{name}"): "operate",
    ("GET", "/api/v1/tools"): "read",
    ("POST", "/api/v1/tools"): "operate",
    ("GET", "/api/v1/tools/{name}"): "read",
    ("PUT", "/api/v1/tools/{name}"): "operate",
    ("DELETE", "/api/v1/tools/{name}"): "operate",
    ("GET", "/api/v1/identity-providers"): "read",
    ("POST", "/api/v1/identity-providers"): "operate",
    ("GET", "/api/v1/identity-providers/{name}"): "read",
    ("PUT", "/api/v1/identity-providers/{name}"): "operate",
    ("DELETE", "/api/v1/identity-providers/{name}"): "operate",
    ("GET", "/api/v1/runs"): "read",
    ("GET", "/api/v1/runs/{run_id}"): "read",
    ("POST", "/api/v1/api-keys"): "admin",
    ("GET", "/api/v1/api-keys"): "admin",
    ("DELETE", "/api/v1/api-keys/{prefix}"): "admin",
    ("GET", "/api/v1/auth/me"): "read",
    ("GET", "/api/v1/audit"): "read",
    ("POST", "/api/v1/auth/introspect"): "introspect",
}

ALLOWED: dict[str, set[str]] = {
    "read": {"viewer", "approver", "operator", "admin", "service"},
    "operate": {"operator", "admin"},
    "admin": {"admin"},
    "introspect": {"service"},
}
NEEDED_ROLE = {"read": "viewer", "operate": "operator", "admin": "admin", "introspect": "service"}
ROLES = ("viewer", "approver", "operator", "admin", "service")
platform_data_dirs: dict[str, Path] = {}


@dataclass
class Platform:
    url: str
    keys: dict[str, str]
    """A key of each role (the service's is the deployer's own)."""
    operations: set[tuple[str, str]]


pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def platform(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Platform]:
    data_dir: Path = tmp_path_factory.mktemp("who-may")
    app = create_dev_app(data_dir, "http://127.0.0.1:9")
    operations = {(method.upper(), path) for path, item in app.openapi()["paths"].items()
                  if path.startswith("/api/v1") for method in item}
    async with serve_app(app) as url, httpx.AsyncClient(base_url=url, headers=ADMIN_HEADERS) as admin:
        platform_data_dirs[url] = data_dir
        service_keys_secret = PlatformSettings().service_keys_secret().get_secret_value()
        keys = {"service": derive_service_key(service_keys_secret, "deployer")}
        for role in ("viewer", "approver", "operator", "admin"):
            made = await admin.post("/api/v1/api-keys", json={"name": f"{role} of the matrix", "role": role})
            assert made.status_code == 201, made.text
            keys[role] = made.json()["key"]
        yield Platform(url, keys, operations)


async def test_the_table_names_every_operation_the_services_serve(platform: Platform) -> None:
    assert platform.operations == set(RULES), (
        f"served but not in the table: {sorted(platform.operations - set(RULES))}; "
        f"in the table but not served: {sorted(set(RULES) - platform.operations)}")


def _concrete(path: str) -> str:
    """The path with each parameter filled by a name nothing has: a request allowed through is answered by the
    endpoint (404, 422...) and changes nothing."""
    return (path.replace("{analysis_id}", "0" * 32).replace("{build_id}", "0" * 32).replace("{run_id}", "0" * 32)
            .replace("{prefix}", "ra_nonexistent").replace("{name}", "nobody-here"))


async def _call(client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    body: Any = {} if method in ("POST", "PUT") else None
    return await client.request(method, _concrete(path), json=body, headers=headers)


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_reaches_what_its_role_allows_and_is_refused_the_rest_naming_the_role_needed(
        platform: Platform, role: str) -> None:
    refused_wrongly, let_through = [], []
    async with httpx.AsyncClient(base_url=platform.url) as client:
        for (method, path), rule in sorted(RULES.items()):
            answer = await _call(client, method, path, {"authorization": f"Bearer {platform.keys[role]}"})
            if rule == "agent" or role in ALLOWED[rule]:
                if answer.status_code in (401, 403):
                    refused_wrongly.append(f"{method} {path}: {answer.status_code} {answer.text[:200]}")
            else:
                body = answer.json() if answer.headers.get("content-type") == PROBLEM_JSON else {}
                if answer.status_code != 403 or body.get("required_role") != NEEDED_ROLE[rule] \
                        or f"needs the {NEEDED_ROLE[rule]} role" not in body.get("detail", ""):
                    let_through.append(f"{method} {path}: {answer.status_code} {answer.text[:200]}")
    assert not refused_wrongly, f"{role} refused what it may do: {refused_wrongly}"
    assert not let_through, f"{role} not refused (403 naming the role) what it may not do: {let_through}"


@pytest.mark.parametrize("credential", [None, "Bearer", "Basic YWRtaW46YWRtaW4=", "Bearer ra_nonexistent_secret",
                                        "Bearer ras_deployer_forgedforgedforgedforgedforgedforgedforged"])
async def test_without_a_valid_credential_every_operation_but_an_invoke_is_a_401_with_a_challenge(
        platform: Platform, credential: str | None) -> None:
    headers = {"authorization": credential} if credential is not None else {}
    async with httpx.AsyncClient(base_url=platform.url) as client:
        for (method, path), rule in sorted(RULES.items()):
            answer = await _call(client, method, path, headers)
            if rule == "agent":
                assert answer.status_code not in (401, 403) or credential, (method, path, answer.text)
                continue
            assert answer.status_code == 401, (method, path, answer.status_code, answer.text)
            assert answer.headers["content-type"] == PROBLEM_JSON
            assert answer.headers["www-authenticate"].startswith('Bearer realm="runagents"'), (method, path)
            assert "credential" in answer.json()["detail"] or "not valid" in answer.json()["detail"]


async def test_health_and_the_api_documents_need_no_credential(platform: Platform) -> None:
    async with httpx.AsyncClient(base_url=platform.url) as client:
        for path in ("/healthz", "/readyz", "/openapi.json", "/docs", "/auth/signin"):
            assert (await client.get(path)).status_code == 200, path


async def test_a_revoked_or_expired_key_stops_working_and_stays_listed(platform: Platform) -> None:
    async with httpx.AsyncClient(base_url=platform.url, headers=ADMIN_HEADERS) as admin:
        made = (await admin.post("/api/v1/api-keys", json={"name": "short-lived", "role": "viewer"})).json()
        key, prefix = made["key"], made["prefix"]
        assert key.startswith(prefix + "_") and made["state"] == "active"
        as_key = {"authorization": f"Bearer {key}"}
        assert (await admin.get("/api/v1/tools", headers=as_key)).status_code == 200

        revoked = await admin.delete(f"/api/v1/api-keys/{prefix}")
        assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
        assert revoked.json()["revoked_by"].startswith("bootstrap admin key")
        assert (await admin.get("/api/v1/tools", headers=as_key)).status_code == 401
        listed = {k["prefix"]: k for k in (await admin.get("/api/v1/api-keys")).json()["items"]}
        assert listed[prefix]["state"] == "revoked" and "key" not in listed[prefix]
        assert all(key not in str(item) for item in listed.values())  # a key is shown once, never listed

        past = await admin.post("/api/v1/api-keys", json={"name": "x", "role": "viewer",
                                                          "expires_at": "2020-01-01T00:00:00Z"})
        assert past.status_code == 422 and "in the past" in past.json()["detail"]
        naive = await admin.post("/api/v1/api-keys", json={"name": "x", "role": "viewer",
                                                           "expires_at": "2999-01-01T00:00:00"})
        assert naive.status_code == 422 and "time zone" in naive.json()["detail"]
        service = await admin.post("/api/v1/api-keys", json={"name": "x", "role": "service"})
        assert service.status_code == 422 and "cannot be given to a key" in service.json()["detail"]


async def test_a_key_past_its_expiry_is_refused(platform: Platform) -> None:
    from datetime import UTC, datetime, timedelta

    from runagents_common.testing import eventually

    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    async with httpx.AsyncClient(base_url=platform.url, headers=ADMIN_HEADERS) as admin:
        made = (await admin.post("/api/v1/api-keys", json={"name": "expiring", "role": "viewer",
                                                           "expires_at": soon})).json()
        as_key = {"authorization": f"Bearer {made['key']}"}
        assert (await admin.get("/api/v1/tools", headers=as_key)).status_code == 200

        async def refused() -> bool:
            return (await admin.get("/api/v1/tools", headers=as_key)).status_code == 401

        await eventually(refused, within=10)
        listed = {k["prefix"]: k for k in (await admin.get("/api/v1/api-keys")).json()["items"]}
        assert listed[made["prefix"]]["state"] == "expired"


async def test_a_key_is_stored_as_a_digest_only(platform: Platform) -> None:
    async with httpx.AsyncClient(base_url=platform.url, headers=ADMIN_HEADERS) as admin:
        made = (await admin.post("/api/v1/api-keys", json={"name": "digest", "role": "viewer"})).json()
    secret = made["key"][len(made["prefix"]) + 1:]
    stored = b"".join(path.read_bytes() for path in platform_data_dirs[platform.url].rglob("*.db*"))
    assert secret.encode() not in stored and made["prefix"].encode() in stored



async def test_no_key_reaches_the_log(platform: Platform, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    async with httpx.AsyncClient(base_url=platform.url, headers=ADMIN_HEADERS) as admin:
        made = (await admin.post("/api/v1/api-keys", json={"name": "quiet", "role": "viewer"})).json()
        for key in (made["key"], made["key"] + "x", "ra_abcdefghij_" + "s" * 43):
            await admin.get("/api/v1/tools", headers={"authorization": f"Bearer {key}"})
        await admin.delete(f"/api/v1/api-keys/{made['prefix']}")
        await admin.get("/api/v1/tools", headers={"authorization": f"Bearer {made['key']}"})
    secret = made["key"][len(made["prefix"]) + 1:]
    assert caplog.records and secret not in caplog.text and ADMIN_HEADERS["authorization"][7:] not in caplog.text
