"""The signing keys of identity providers: inline, or fetched from their jwks_url and cached.

A cached JWK set is used for ``ttl`` seconds. A token naming a key id the set does not hold makes
the set be fetched again at once (the provider rotated its keys), at most once per ``cooldown``
per URL, so tokens with made-up key ids cannot turn the platform against the provider. When a
fetch fails, it is not retried for ``cooldown`` seconds, and the keys fetched before stay in use
for one more ``ttl``; with no such keys, no token can be verified (503).
"""

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from runagents_common.errors import Unavailable

log = logging.getLogger("runagents.deployer.jwks")

MAX_JWKS_BYTES = 1 << 20
PUBLIC_KEY_TYPES = ("RSA", "EC", "OKP")


@dataclass(frozen=True)
class TrustedProvider:
    """An identity provider as the front door checks tokens against it (detached from any session)."""

    name: str
    issuer: str
    audiences: list[str]
    algorithms: list[str]
    user_claim: str
    jwks_url: str | None = None
    jwks: dict[str, Any] | None = None


@dataclass
class _KeySet:
    keys: list[dict[str, Any]]
    fetched_at: float


@dataclass
class _UrlState:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    current: _KeySet | None = None
    last_attempt: float = float("-inf")
    """When a fetch (successful or not) last started; bounds retries after a failure."""
    last_early_fetch: float = float("-inf")
    """When a token with an unknown kid last made the set be fetched before its time."""
    last_error: str | None = None
    """Why the last fetch failed, if it did."""


class SigningKeys:
    def __init__(self, http: httpx.AsyncClient, ttl: float, cooldown: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.http = http
        self.ttl = ttl
        self.cooldown = cooldown
        self.clock = clock
        self._urls: dict[str, _UrlState] = {}

    async def candidates(self, provider: TrustedProvider, kid: str | None) -> list[dict[str, Any]]:
        """The provider's public keys that may have signed a token with ``kid`` (every key when it has none)."""
        if provider.jwks is not None:
            return _matching(_public_keys(provider.jwks), kid)
        assert provider.jwks_url is not None
        state = self._urls.setdefault(provider.jwks_url, _UrlState())
        async with state.lock:
            if state.current is None or self.clock() - state.current.fetched_at >= self.ttl:
                await self._fetch(provider, state)
            assert state.current is not None
            found = _matching(state.current.keys, kid)
            if kid is not None and not found and self.clock() - state.last_early_fetch >= self.cooldown:
                state.last_early_fetch = self.clock()
                log.info("token of identity provider %s names an unknown key id; fetching its keys again",
                         provider.name)
                await self._fetch(provider, state)
                found = _matching(state.current.keys, kid)
            return found

    async def _fetch(self, provider: TrustedProvider, state: _UrlState) -> None:
        assert provider.jwks_url is not None
        now = self.clock()
        stale_usable = state.current is not None and now - state.current.fetched_at < 2 * self.ttl
        if state.last_error is not None and now - state.last_attempt < self.cooldown:
            if stale_usable:  # a fetch just failed: keep the last keys rather than retry on every request
                return
            raise _unavailable(provider, state.last_error)
        state.last_attempt = now
        try:
            keys = await self._download(provider.jwks_url)
        except (httpx.HTTPError, ValueError) as exc:
            state.last_error = str(exc) if isinstance(exc, ValueError) else type(exc).__name__
            if stale_usable:
                log.warning("fetching the signing keys of identity provider %s from %s failed (%s); "
                            "using the keys fetched before", provider.name, _host(provider.jwks_url),
                            state.last_error)
                return
            state.current = None
            raise _unavailable(provider, state.last_error) from exc
        state.current, state.last_error = _KeySet(keys, now), None

    async def _download(self, url: str) -> list[dict[str, Any]]:
        async with self.http.stream("GET", url, headers={"Accept": "application/json"}) as response:
            if response.status_code != 200:
                raise ValueError(f"it answered {response.status_code}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body.extend(chunk)
                if len(body) > MAX_JWKS_BYTES:
                    raise ValueError(f"the JWK set is larger than {MAX_JWKS_BYTES} bytes")
        try:
            document = json.loads(bytes(body))
        except ValueError:
            raise ValueError("the answer is not JSON") from None
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise ValueError('the answer is not a JWK set (an object with a "keys" array)')
        return _public_keys(document)


def _unavailable(provider: TrustedProvider, reason: str) -> Unavailable:
    assert provider.jwks_url is not None
    return Unavailable(
        f"the signing keys of identity provider {provider.name!r} could not be fetched from "
        f"{_host(provider.jwks_url)} ({reason}); no token can be verified until they are"
    )


def _public_keys(jwks: dict[str, Any]) -> list[dict[str, Any]]:
    """The signature-verifying public keys of a JWK set; symmetric, private and encryption keys are left out."""
    return [
        key for key in jwks.get("keys") or []
        if isinstance(key, dict) and key.get("kty") in PUBLIC_KEY_TYPES and "d" not in key
        and key.get("use", "sig") == "sig"
    ]


def _matching(keys: list[dict[str, Any]], kid: str | None) -> list[dict[str, Any]]:
    return keys if kid is None else [key for key in keys if key.get("kid") == kid]


def _host(url: str) -> str:
    """Where a URL points, for messages (a query string may hold what it should not)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
