"""The cache of identity providers' signing keys, against a JWK set served over HTTP, on a clock the test moves."""

import httpx
import pytest

from runagents_common.errors import Unavailable
from runagents_deployer.identity_providers.keys import SigningKeys, TrustedProvider
from tests.identity_provider import IdentityProviderStandIn, ec_key, rsa_key


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def provider_at(url: str) -> TrustedProvider:
    return TrustedProvider(name="corp", issuer="https://idp.example/", audiences=["a"], algorithms=["RS256"],
                           user_claim="sub", jwks_url=url)


async def test_keys_are_fetched_again_once_their_time_is_up() -> None:
    idp, clock = IdentityProviderStandIn(), Clock()
    first = rsa_key()
    idp.publish(first)
    with idp.serving():
        async with httpx.AsyncClient() as http:
            keys = SigningKeys(http, ttl=60, cooldown=10, clock=clock)
            provider = provider_at(idp.url)
            assert [k["kid"] for k in await keys.candidates(provider, first.kid)] == [first.kid]
            clock.now += 59
            second = rsa_key()
            idp.publish(second)  # the old key is withdrawn: still trusted until the cache expires
            assert [k["kid"] for k in await keys.candidates(provider, first.kid)] == [first.kid]
            assert idp.fetches == 1
            clock.now += 1
            assert [k["kid"] for k in await keys.candidates(provider, None)] == [second.kid]
            assert idp.fetches == 2
            assert await keys.candidates(provider, first.kid) == []


async def test_an_unreachable_provider_keeps_its_last_keys_a_while_then_refuses() -> None:
    idp, clock = IdentityProviderStandIn(), Clock()
    key = ec_key()
    idp.publish(key)
    async with httpx.AsyncClient() as http:
        keys = SigningKeys(http, ttl=60, cooldown=10, clock=clock)
        with idp.serving():
            provider = provider_at(idp.url)
            assert len(await keys.candidates(provider, key.kid)) == 1
        clock.now += 61  # expired, and the provider is gone: the keys fetched before stay in use
        assert len(await keys.candidates(provider, key.kid)) == 1
        clock.now += 60  # two lifetimes old: no key is trusted any more
        with pytest.raises(Unavailable, match="signing keys of identity provider 'corp' could not be fetched"):
            await keys.candidates(provider, key.kid)


async def test_a_failing_provider_is_not_asked_again_on_every_request() -> None:
    clock = Clock()
    attempts = 0

    def count(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        return httpx.Response(500)

    async with httpx.AsyncClient(transport=httpx.MockTransport(count)) as http:
        keys = SigningKeys(http, ttl=60, cooldown=10, clock=clock)
        provider = provider_at("https://idp.example/jwks.json")
        for _ in range(3):
            with pytest.raises(Unavailable, match=r"\(it answered 500\)"):
                await keys.candidates(provider, "k1")
        assert attempts == 1
        clock.now += 10
        with pytest.raises(Unavailable):
            await keys.candidates(provider, "k1")
        assert attempts == 2


async def test_an_answer_that_is_not_a_key_set_is_refused_and_only_public_signing_keys_are_kept() -> None:
    answers = [httpx.Response(200, text="<html>login</html>"),
               httpx.Response(200, json={"keys": [
                   {"kty": "oct", "k": "c2VjcmV0", "kid": "shared"},
                   {**rsa_key("enc").jwk(), "use": "enc"},
                   {**rsa_key("sig").jwk()},
               ]})]

    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda _r: answers.pop(0))) as http:
        keys = SigningKeys(http, ttl=60, cooldown=0)
        provider = provider_at("https://idp.example/jwks.json")
        with pytest.raises(Unavailable, match="the answer is not JSON"):
            await keys.candidates(provider, None)
        assert [k["kid"] for k in await keys.candidates(provider, None)] == ["sig"]
