"""The front door of agents with authenticated access: a verified token names the run's user; any other
request is refused with 401 and starts no run."""

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from runagents_common.db import utcnow
from runagents_common.events.catalog import IdentityProviderRegistered
from runagents_deployer.identity_providers import repository as identity_providers
from tests.identity_provider import AUDIENCE, IdentityProviderStandIn, ec_key, rsa_key

from .conftest import Deployer


@pytest.fixture
def idp() -> Iterator[IdentityProviderStandIn]:
    stand_in = IdentityProviderStandIn()
    stand_in.publish(rsa_key())
    with stand_in.serving():
        yield stand_in


async def authenticated_agent(deployer: Deployer, idp: IdentityProviderStandIn, provider: str = "corp") -> str:
    await deployer.register_provider(provider, idp.issuer, jwks_url=idp.url)
    return await deployer.running_agent({"mode": "authenticated", "identity_provider": provider})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_valid_token_starts_a_run_in_the_callers_name_and_tells_the_agent(
        deployer: Deployer, idp: IdentityProviderStandIn) -> None:
    agent = await authenticated_agent(deployer, idp)
    token = idp.sign(sub="alice@example.com")

    answer = await deployer.client.post(f"/api/v1/agents/{agent}/invoke", json={"message": "you"},
                                        headers=bearer(token))

    assert answer.status_code == 200, answer.text
    assert answer.json()["response"] == "hello you"
    [run] = await deployer.runs_started(agent)
    assert (run["run_id"], run["user"]) == (answer.json()["run_id"], "alice@example.com")
    [sent] = deployer.agent_process.received
    assert sent["x-runagents-user"] == "alice@example.com"
    assert "authorization" not in sent, "the caller's token must not travel on to the agent"


async def test_the_stream_front_door_checks_the_token_too(deployer: Deployer, idp: IdentityProviderStandIn) -> None:
    agent = await authenticated_agent(deployer, idp)

    refused = await deployer.client.post(f"/api/v1/agents/{agent}/invoke/stream", json={"message": "x"})
    assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"

    async with deployer.client.stream("POST", f"/api/v1/agents/{agent}/invoke/stream", json={"message": "x"},
                                      headers=bearer(idp.sign(sub="bob"))) as stream:
        assert stream.status_code == 200
        lines = [line async for line in stream.aiter_lines() if line.startswith("data:")]
    assert lines[-1] == "data: [DONE]"
    [run] = await deployer.runs_started(agent)
    assert (run["user"], run["streaming"]) == ("bob", True)
    assert [sent["x-runagents-user"] for sent in deployer.agent_process.received] == ["bob"]


async def test_an_open_agent_keeps_anonymous_callers_and_ignores_tokens(
        deployer: Deployer, idp: IdentityProviderStandIn) -> None:
    agent = await deployer.running_agent({"mode": "open", "identity_provider": None})

    answer = await deployer.client.post(f"/api/v1/agents/{agent}/invoke", json={"message": "x"},
                                        headers=bearer(idp.sign()))

    assert answer.status_code == 200, answer.text
    assert [run["user"] for run in await deployer.runs_started(agent)] == ["anonymous"]
    assert "x-runagents-user" not in deployer.agent_process.received[0]


async def test_requests_that_do_not_prove_the_caller_get_401_and_start_no_run(
        deployer: Deployer, idp: IdentityProviderStandIn) -> None:
    agent = await authenticated_agent(deployer, idp)
    key = idp.published[0]
    now = int(time.time())
    cases: list[tuple[str, dict[str, str], str]] = [
        ("missing", {}, "needs a token from identity provider 'corp'"),
        ("another scheme", {"Authorization": "Basic YWxpY2U6c2VjcmV0"}, "send Authorization: Bearer"),
        ("empty bearer", {"Authorization": "Bearer"}, "Bearer scheme but no token"),
        ("not a JWT", bearer("not.a-jwt"), "not a well-formed JWT"),
        ("crit header", bearer(idp.sign(headers={"crit": ["x-ext"], "x-ext": 1})), "critical extensions (crit)"),
        ("huge", bearer(idp.sign(padding="x" * 20_000)), "at most 16384"),
        ("expired", bearer(idp.sign(iat=now - 600, exp=now - 60)), "the token has expired"),
        ("not yet valid", bearer(idp.sign(nbf=now + 600)), "not valid yet"),
        ("no exp", bearer(idp.sign(exp=None)), "no 'exp' claim"),
        ("wrong issuer", bearer(idp.sign(iss="https://evil.example/")), f"not issued by '{idp.issuer}'"),
        ("wrong audience", bearer(idp.sign(aud="someone-else")), "its audience is none of runagents-agents"),
        ("bad signature", bearer(idp.sign(key=key.impostor())), "signature does not verify"),
        ("alg none", bearer(idp.unsigned(kid=key.kid)), "algorithm identity provider 'corp' does not allow"),
        ("HS256 with the public key", bearer(idp.hmac_with_public_key(key)), "does not allow (allowed: RS256, ES256)"),
        ("unknown kid", bearer(idp.sign(key=rsa_key("never-published"))), "key id is not among the signing keys"),
        ("no user claim", bearer(idp.sign(sub=None)), "no 'sub' claim naming the caller"),
        ("overlong user", bearer(idp.sign(sub="x" * 256)), "longer than 255 characters"),
    ]
    for case, headers, expected in cases:
        answer = await deployer.client.post(f"/api/v1/agents/{agent}/invoke", json={"message": "x"},
                                            headers=headers)
        assert answer.status_code == 401, (case, answer.text)
        assert answer.headers["content-type"] == "application/problem+json", case
        assert expected in answer.json()["detail"], (case, answer.json()["detail"])
        challenge = answer.headers["www-authenticate"]
        assert challenge.startswith('Bearer realm="runagents"'), case
        if case in ("missing", "another scheme"):
            assert "error=" not in challenge, case
        else:
            assert 'error="invalid_token", error_description="' in challenge, case
            assert answer.json()["code"] == "invalid_token", case
        credentials = headers.get("Authorization", "").partition(" ")[2]
        for part in (p for p in credentials.split(".") if len(p) >= 8):  # no piece of the token is repeated
            assert part not in answer.text and part not in challenge, case
    assert await deployer.runs_started(agent) == []
    assert deployer.agent_process.received == []


async def test_a_rotated_key_is_fetched_once_without_a_restart(deployer: Deployer,
                                                               idp: IdentityProviderStandIn) -> None:
    agent = await authenticated_agent(deployer, idp)
    old = idp.published[0]
    assert (await deployer.client.post(f"/api/v1/agents/{agent}/invoke", json={"message": "x"},
                                       headers=bearer(idp.sign(key=old)))).status_code == 200
    assert idp.fetches == 1
    assert (await deployer.client.post(f"/api/v1/agents/{agent}/invoke", json={"message": "x"},
                                       headers=bearer(idp.sign(key=old)))).status_code == 200
    assert idp.fetches == 1, "the keys are cached"

    new = ec_key()
    idp.publish(old, new)
    rotated = await deployer.client.post(f"/api/v1/agents/{agent}/invoke", json={"message": "x"},
                                         headers=bearer(idp.sign(key=new, sub="carol")))
    assert rotated.status_code == 200, rotated.text
    assert idp.fetches == 2

    # Made-up key ids right after do not make the provider's keys be fetched again (cooldown).
    for _ in range(3):
        made_up = await deployer.client.post(f"/api/v1/agents/{agent}/invoke", json={"message": "x"},
                                             headers=bearer(idp.sign(key=rsa_key())))
        assert made_up.status_code == 401
    assert idp.fetches == 2
    assert [run["user"] for run in await deployer.runs_started(agent)] == [
        "alice@example.com", "alice@example.com", "carol"]


async def test_an_inline_key_set_and_another_user_claim(deployer: Deployer) -> None:
    idp = IdentityProviderStandIn()
    idp.publish(ec_key())
    await deployer.register_provider("inline", idp.issuer, jwks=idp.jwks(), algorithms=["ES256"],
                                     user_claim="email")
    agent = await deployer.running_agent({"mode": "authenticated", "identity_provider": "inline"})

    answer = await deployer.client.post(f"/api/v1/agents/{agent}/invoke", json={"message": "x"},
                                        headers=bearer(idp.sign(sub="u-1", email="dana@example.com")))
    refused = await deployer.client.post(f"/api/v1/agents/{agent}/invoke", json={"message": "x"},
                                         headers=bearer(idp.sign(sub="u-2")))

    assert answer.status_code == 200, answer.text
    assert refused.status_code == 401 and "no 'email' claim" in refused.json()["detail"]
    assert [run["user"] for run in await deployer.runs_started(agent)] == ["dana@example.com"]


async def test_a_removed_provider_fails_closed_until_it_is_registered_again(
        deployer: Deployer, idp: IdentityProviderStandIn) -> None:
    agent = await authenticated_agent(deployer, idp)
    token = idp.sign()
    assert (await deployer.client.post(f"/api/v1/agents/{agent}/invoke", json={"message": "x"},
                                       headers=bearer(token))).status_code == 200

    await deployer.remove_provider("corp")
    refused = await deployer.client.post(f"/api/v1/agents/{agent}/invoke", json={"message": "x"},
                                         headers=bearer(token))
    assert refused.status_code == 401
    assert "identity provider 'corp', which agent" in refused.json()["detail"]
    assert "is not registered any more" in refused.json()["detail"]

    await deployer.register_provider("corp", idp.issuer, jwks_url=idp.url)
    assert (await deployer.client.post(f"/api/v1/agents/{agent}/invoke", json={"message": "x"},
                                       headers=bearer(token))).status_code == 200
    assert len(await deployer.runs_started(agent)) == 2


async def test_an_older_change_delivered_late_does_not_undo_a_newer_one(
        deployer: Deployer, idp: IdentityProviderStandIn) -> None:
    agent = await authenticated_agent(deployer, idp)
    removed_at = utcnow()
    await deployer.remove_provider("corp", changed_at=removed_at)
    # The registration from before the removal is delivered again, after it; so is one for a provider whose
    # removal overtook its registration. A marker event behind them (one queue, in order) says both were handled.
    for name in ("corp", "overtaken"):
        if name == "overtaken":
            await deployer.remove_provider(name, changed_at=removed_at)
        await deployer.publish(IdentityProviderRegistered(
            name=name, issuer=idp.issuer, audiences=[AUDIENCE], jwks_url=idp.url, algorithms=["RS256"],
            changed_at=removed_at - timedelta(seconds=1)), name)
    await deployer.register_provider("marker", idp.issuer, jwks_url=idp.url)

    refused = await deployer.client.post(f"/api/v1/agents/{agent}/invoke", json={"message": "x"},
                                         headers=bearer(idp.sign()))
    assert refused.status_code == 401 and "not registered any more" in refused.json()["detail"]
    async with deployer.component.database.session() as session:
        assert await identity_providers.names(session) == ["marker"]


async def test_keys_that_cannot_be_fetched_refuse_with_503_and_start_no_run(deployer: Deployer) -> None:
    idp = IdentityProviderStandIn()
    idp.publish(rsa_key())
    with idp.serving():
        gone = idp.url
    await deployer.register_provider("down", idp.issuer, jwks_url=gone)
    agent = await deployer.running_agent({"mode": "authenticated", "identity_provider": "down"})

    answer = await deployer.client.post(f"/api/v1/agents/{agent}/invoke", json={"message": "x"},
                                        headers=bearer(idp.sign()))

    assert answer.status_code == 503 and answer.headers["content-type"] == "application/problem+json"
    assert "signing keys of identity provider 'down' could not be fetched" in answer.json()["detail"]
    assert await deployer.runs_started(agent) == []
