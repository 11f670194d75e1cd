"""Authenticated access end to end in dev mode, through the public API: an identity provider registered with
the policy service, the Hello World sample deployed to trust it, invokes with tokens signed here and verified
against the JWK set a local server publishes (the provider is outside the platform)."""

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from runagents.processes import PlatformProcesses
from runagents_common.testing import ADMIN_HEADERS
from tests.e2e.flows import analyze_sample, deploy, wait_for, wait_settled
from tests.identity_provider import AUDIENCE, IdentityProviderStandIn, ec_key, rsa_key


@pytest.fixture
def idp() -> Iterator[IdentityProviderStandIn]:
    stand_in = IdentityProviderStandIn()
    stand_in.publish(rsa_key())
    with stand_in.serving():
        yield stand_in


def deploy_when_known(client: httpx.Client, name: str, analysis: dict[str, Any], provider: str) -> httpx.Response:
    """Deploy once the deployer learnt of the provider (the policy service's event reaches it soon, not at once)."""
    deadline = time.monotonic() + 10
    while True:
        created = deploy(client, name, analysis, access={"mode": "authenticated", "identity_provider": provider})
        if created.status_code != 422 or "is not registered" not in created.text or time.monotonic() > deadline:
            return created
        time.sleep(0.1)


def invoke(client: httpx.Client, agent: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(f"/api/v1/agents/{agent}/invoke", json={"message": "Hi"}, headers=headers)


def test_authenticated_agents_record_who_called_and_refuse_everyone_else(
        dev_platform: PlatformProcesses, idp: IdentityProviderStandIn) -> None:
    provider, agent = f"idp-{uuid.uuid4().hex[:6]}", f"private-{uuid.uuid4().hex[:6]}"
    with httpx.Client(headers=ADMIN_HEADERS, base_url=dev_platform.base_url, timeout=60) as client:
        registered = client.post("/api/v1/identity-providers", json={
            "name": provider, "issuer": idp.issuer, "audiences": [AUDIENCE], "jwks_url": idp.url})
        assert registered.status_code == 201, registered.text
        analysis = analyze_sample(client)
        unknown = deploy(client, f"nope-{uuid.uuid4().hex[:6]}", analysis,
                         access={"mode": "authenticated", "identity_provider": "no-such-idp"})
        assert unknown.status_code == 422
        assert "access trusts identity provider 'no-such-idp', which is not registered" in unknown.json()["problems"]

        created = deploy_when_known(client, agent, analysis, provider)
        assert created.status_code == 202, created.text
        assert created.json()["access"] == {"mode": "authenticated", "identity_provider": provider}
        assert wait_settled(client, agent)["status"] == "Running", dev_platform.logs()

        answer = invoke(client, agent, idp.sign(sub="alice@example.com"))
        assert answer.status_code == 200, answer.text
        run = wait_for(client, f"/api/v1/runs/{answer.json()['run_id']}", lambda r: r.get("status") == "succeeded")
        assert run["user"] == "alice@example.com"

        # The provider rotates: a token signed by the new key works at once, no restart. (A token naming an
        # unknown key makes the keys be fetched again at most every 10 s, so it comes before the refusals.)
        key = idp.published[0]
        rotated = ec_key()
        idp.publish(key, rotated)
        second = invoke(client, agent, idp.sign(key=rotated, sub="bob"))
        assert second.status_code == 200, second.text
        wait_for(client, f"/api/v1/runs/{second.json()['run_id']}", lambda r: r.get("status") == "succeeded")

        now = int(time.time())
        refusals = {
            "missing": None,
            "expired": idp.sign(iat=now - 600, exp=now - 60),
            "wrong issuer": idp.sign(iss="https://someone-else.example/"),
            "wrong audience": idp.sign(aud="another-app"),
            "bad signature": idp.sign(key=key.impostor()),
            "alg none": idp.unsigned(kid=key.kid),
            "unknown kid": idp.sign(key=rsa_key("not-published")),
        }
        for case, token in refusals.items():
            refused = invoke(client, agent, token)
            assert refused.status_code == 401, (case, refused.text)
            assert refused.headers["content-type"] == "application/problem+json", case
            assert refused.headers["www-authenticate"].startswith("Bearer"), case
            if token:
                assert 'error="invalid_token"' in refused.headers["www-authenticate"], case
                assert token.split(".")[1] not in refused.text, case
        stream = client.post(f"/api/v1/agents/{agent}/invoke/stream", json={"message": "Hi"})
        assert stream.status_code == 401

        # A verified call after the refusals; once its run is recorded, so would be any run a refusal started
        # (the deployer's events leave in order). Every run of the agent is one of the three verified calls.
        third = invoke(client, agent, idp.sign(sub="carol"))
        assert third.status_code == 200, third.text
        wait_for(client, f"/api/v1/runs/{third.json()['run_id']}", lambda r: r.get("status") == "succeeded")
        runs = client.get("/api/v1/runs", params={"agent": agent}).json()["items"]
        assert sorted(r["user"] for r in runs) == ["alice@example.com", "bob", "carol"]

        # Deleting the provider while the agent trusts it is refused, naming the agent.
        wait_for(client, f"/api/v1/identity-providers/{provider}", lambda p: p.get("used_by") == [agent])
        in_use = client.delete(f"/api/v1/identity-providers/{provider}")
        assert in_use.status_code == 409 and in_use.json()["agents"] == [agent]

        # A change of the provider reaches the front door: tokens of the old issuer stop opening the agent.
        changed = client.put(f"/api/v1/identity-providers/{provider}", json={
            "issuer": "https://new-issuer.example/", "audiences": [AUDIENCE], "jwks_url": idp.url})
        assert changed.status_code == 200, changed.text
        wait_for(client, f"/api/v1/agents/{agent}", lambda _a: invoke(client, agent, idp.sign()).status_code == 401)
        assert invoke(client, agent, idp.sign(iss="https://new-issuer.example/")).status_code == 200

        assert client.delete(f"/api/v1/agents/{agent}").status_code == 204
        wait_for(client, f"/api/v1/identity-providers/{provider}", lambda p: p.get("used_by") == [])
        assert client.delete(f"/api/v1/identity-providers/{provider}").status_code == 204
