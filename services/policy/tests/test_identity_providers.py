"""Identity providers as registered resources of the policy service, on real storage and bus."""

from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from runagents_common.events import Envelope, new_envelope
from runagents_common.events.catalog import AgentDeleted, AgentDeployRequested, Service
from runagents_common.testing import ADMIN_HEADERS, eventually

from .conftest import OBSERVER

DEPLOYER = Service.DEPLOYER.source  # the owner of the agent events these tests publish


def rsa_jwk(kid: str, bits: int = 2048, private: bool = False) -> dict[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(key if private else key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "use": "sig"}


def ec_jwk(kid: str) -> dict[str, Any]:
    jwk: dict[str, Any] = ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key(), as_dict=True)
    return {**jwk, "kid": kid}


def provider(**overrides: Any) -> dict[str, Any]:
    return {"name": "corp", "issuer": "https://login.corp.example/", "audiences": ["agents"],
            "jwks_url": "https://login.corp.example/.well-known/jwks.json", **overrides}


async def observe(bus: Any) -> list[Envelope]:
    seen: list[Envelope] = []

    async def collect(envelope: Envelope) -> None:
        seen.append(envelope)

    await bus.subscribe(OBSERVER, ["identity_provider.#"], collect)
    return seen


async def test_an_identity_provider_is_registered_read_replaced_and_deleted_with_an_event_each(policy) -> None:  # type: ignore[no-untyped-def]
    base_url, bus, _component = policy
    seen = await observe(bus)
    async with httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=base_url) as client:
        created = await client.post("/api/v1/identity-providers", json=provider())
        assert created.status_code == 201, created.text
        body = created.json()
        assert (body["algorithms"], body["user_claim"], body["jwks"]) == (["RS256", "ES256"], "sub", None)
        assert (await client.get("/api/v1/identity-providers/corp")).json()["issuer"] == "https://login.corp.example/"
        listed = (await client.get("/api/v1/identity-providers")).json()["items"]
        assert [p["name"] for p in listed] == ["corp"]
        duplicate = await client.post("/api/v1/identity-providers", json=provider())
        assert duplicate.status_code == 409 and duplicate.headers["content-type"] == "application/problem+json"

        inline = {"keys": [ec_jwk("ec-1")]}
        replaced = await client.put("/api/v1/identity-providers/corp", json={
            "issuer": "https://login.corp.example/", "audiences": ["agents", "agents-staging"], "jwks": inline,
            "algorithms": ["ES256"], "user_claim": "email"})
        assert replaced.status_code == 200, replaced.text
        assert (replaced.json()["jwks"], replaced.json()["jwks_url"]) == (inline, None)

        assert (await client.delete("/api/v1/identity-providers/corp")).status_code == 204
        missing = await client.get("/api/v1/identity-providers/corp")
        assert missing.status_code == 404 and "corp" in missing.json()["detail"]
        assert (await client.delete("/api/v1/identity-providers/corp")).status_code == 404

    await eventually(lambda: len(seen) >= 3, message="three identity provider events")
    assert [e.type for e in seen] == ["identity_provider.registered.v1", "identity_provider.registered.v1",
                                      "identity_provider.removed.v1"]
    first, second, removed = (e.data for e in seen)
    assert first["jwks_url"] == "https://login.corp.example/.well-known/jwks.json" and first["jwks"] is None
    assert (second["jwks"], second["audiences"], second["user_claim"]) == (inline, ["agents", "agents-staging"],
                                                                           "email")
    assert first["changed_at"] < second["changed_at"] < removed["changed_at"]
    assert {e.subject for e in seen} == {"corp"}


async def test_invalid_identity_providers_are_refused_with_the_reason(policy) -> None:  # type: ignore[no-untyped-def]
    base_url, _bus, _component = policy
    cases: list[tuple[dict[str, Any], str]] = [
        (provider(jwks_url="not a url"), "jwks_url"),
        (provider(jwks_url="http://login.corp.example/jwks.json"), "must be https"),
        (provider(jwks_url="https://user:pw@login.corp.example/jwks.json"), "must not carry credentials"),
        (provider(algorithms=["RS256", "XS999"]), "unknown algorithm 'XS999'"),
        (provider(algorithms=["none"]), "'none' would accept unsigned tokens"),
        (provider(algorithms=["HS256"]), "'HS256' is symmetric"),
        (provider(algorithms=[]), "algorithms"),
        (provider(jwks={"keys": [rsa_jwk("r1")]}), "exactly one of jwks_url"),
        (provider(jwks_url=None), "exactly one of jwks_url"),
        (provider(jwks_url=None, jwks={"keys": "nope"}), 'an object with a \\"keys\\" array'),
        (provider(jwks_url=None, jwks={"keys": []}), "has no keys"),
        (provider(jwks_url=None, jwks={"keys": [{"kty": "RSA", "n": "!!", "e": "AQAB"}]}), "'n' is not base64url"),
        (provider(jwks_url=None, jwks={"keys": [{"kty": "EC", "crv": "P-256", "x": "AQAB", "y": "AQAB"}]}),
         "'x' has 3 bytes, P-256 needs 32"),
        (provider(jwks_url=None, jwks={"keys": [rsa_jwk("short", bits=1024)]}), "1024 bits is too short"),
        (provider(jwks_url=None, jwks={"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}), "symmetric key"),
        (provider(jwks_url=None, jwks={"keys": [{"kty": "XYZ"}]}), "unknown key type 'XYZ'"),
        (provider(jwks_url=None, jwks={"keys": [rsa_jwk("a"), rsa_jwk("a")]}), "two keys have kid 'a'"),
        (provider(jwks_url=None, jwks={"keys": [{**ec_jwk("e"), "alg": "RS256"}]}), "alg 'RS256' cannot be used"),
        (provider(jwks_url=None, jwks={"keys": [ec_jwk("e")]}, algorithms=["RS256"]),
         "no key in jwks can verify a token signed with RS256 (the keys verify ES256)"),
        (provider(audiences=[]), "audiences"),
        (provider(user_claim="has space"), "user_claim"),
        (provider(name="Corp_IdP"), "name"),
        (provider(jwks_uri="https://login.corp.example/jwks.json"), "jwks_uri"),
        (provider(jwks_url=None, jwks={"keys": [{**ec_jwk("e"), "crv": ["P-256"]}]}), "member 'crv' must be a string"),
        (provider(jwks_url=None, jwks={"keys": [{**ec_jwk("e"), "crv": {"name": "P-256"}}]}), "'crv' must be a string"),
        (provider(jwks_url=None, jwks={"keys": [{**rsa_jwk("r"), "alg": ["RS256"]}]}), "member 'alg' must be a string"),
        (provider(jwks_url=None, jwks={"keys": [{**rsa_jwk("r"), "kty": ["RSA"]}]}), "member 'kty' must be a string"),
    ]
    async with httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=base_url) as client:
        for body, expected in cases:
            answer = await client.post("/api/v1/identity-providers", json=body)
            assert answer.status_code == 422, (body, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
            assert expected in answer.text, (expected, answer.text)
        assert (await client.get("/api/v1/identity-providers")).json()["items"] == []


async def test_a_private_key_is_refused_without_echoing_its_material(policy) -> None:  # type: ignore[no-untyped-def]
    base_url, _bus, _component = policy
    leaked = rsa_jwk("oops", private=True)
    async with httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=base_url) as client:
        answer = await client.post("/api/v1/identity-providers", json=provider(jwks_url=None, jwks={"keys": [leaked]}))
    assert answer.status_code == 422
    assert "key 0 (kid 'oops') holds private key material (d, p, q, dp, dq, qi)" in answer.json()["detail"]
    assert not any(leaked[member] in answer.text for member in ("d", "p", "q", "dp", "dq", "qi"))


async def test_a_provider_an_agent_trusts_cannot_be_deleted_until_the_agent_lets_go(policy) -> None:  # type: ignore[no-untyped-def]
    base_url, bus, _component = policy
    async with httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=base_url) as client:
        assert (await client.post("/api/v1/identity-providers", json=provider())).status_code == 201
        for agent in ("billing-bot", "helpdesk"):
            await bus.publish(new_envelope(AgentDeployRequested.event_type, DEPLOYER, AgentDeployRequested(
                agent=agent, deployment_id=f"d-{agent}", analysis_id="a1", identity_provider="corp")))

        async def used_by_both() -> bool:
            found = (await client.get("/api/v1/identity-providers/corp")).json()
            return bool(found["used_by"] == ["billing-bot", "helpdesk"])

        await eventually(used_by_both, message="both agents recorded as trusting the provider")
        update = {key: value for key, value in provider().items() if key != "name"}
        replaced = await client.put("/api/v1/identity-providers/corp", json=update)
        assert replaced.status_code == 200 and replaced.json()["used_by"] == ["billing-bot", "helpdesk"]
        assert (await client.get("/api/v1/identity-providers")).json()["items"][0]["used_by"] == [
            "billing-bot", "helpdesk"]
        refused = await client.delete("/api/v1/identity-providers/corp")
        assert refused.status_code == 409 and refused.json()["agents"] == ["billing-bot", "helpdesk"]
        assert "used by agent(s) billing-bot, helpdesk" in refused.json()["detail"]

        # One agent is deleted, the other redeployed with open access: the provider is free again.
        await bus.publish(new_envelope(AgentDeleted.event_type, DEPLOYER, AgentDeleted(agent="billing-bot")))
        await bus.publish(new_envelope(AgentDeployRequested.event_type, DEPLOYER, AgentDeployRequested(
            agent="helpdesk", deployment_id="d-2", analysis_id="a2")))

        async def released() -> bool:
            return bool((await client.get("/api/v1/identity-providers/corp")).json()["used_by"] == [])

        await eventually(released, message="no agent trusts the provider any more")
        assert (await client.delete("/api/v1/identity-providers/corp")).status_code == 204


async def test_the_egress_grants_still_follow_deploy_events_beside_the_provider_uses(policy) -> None:  # type: ignore[no-untyped-def]
    base_url, bus, _component = policy
    async with httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=base_url) as client:
        assert (await client.post("/api/v1/identity-providers", json=provider())).status_code == 201
        await bus.publish(new_envelope(AgentDeployRequested.event_type, DEPLOYER, AgentDeployRequested(
            agent="hello", deployment_id="d1", analysis_id="a1", tools=["echo"], identity_provider="corp")))

        async def both_applied() -> bool:
            echoed = await client.post("/egress/hello/echo/echo", json={"message": "hi"})
            found = (await client.get("/api/v1/identity-providers/corp")).json()
            return echoed.status_code == 200 and found["used_by"] == ["hello"]

        await eventually(both_applied, message="one deploy event applied by both domains")
