"""The platform as an OpenID Connect relying party: the provider's discovery document and signing keys (fetched and
cached), the authorization request, and the exchange of an authorization code for tokens.

Every failure is a :class:`SignInRefused` whose reason a person may read: it names what went wrong, never a token,
a code or the client's secret.
"""

import asyncio
import base64
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlencode, urlsplit

import httpx
from pydantic import SecretStr

log = logging.getLogger("runagents.policy.oidc")

CALLBACK_PATH = "/auth/oidc/callback"
DISCOVERY_SECONDS = 3600.0
"""How long a discovery document and a JWK set are used before they are fetched again."""
UNKNOWN_KID_COOLDOWN_SECONDS = 60.0
"""An ID token naming a key the cached set lacks makes the set be fetched again, at most this often."""
MAX_DOCUMENT_BYTES = 1 << 20


class SignInRefused(Exception):
    """A sign-in that cannot go on; ``str(exc)`` is the reason shown on the sign-in page and logged."""


@dataclass(frozen=True)
class Provider:
    """What the discovery document says, of what the platform uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    signing_algorithms: tuple[str, ...]


@dataclass(frozen=True)
class Client:
    issuer: str
    client_id: str
    client_secret: SecretStr | None
    redirect_uri: str
    scopes: str

    def token_request(self, code: str, code_verifier: str) -> tuple[dict[str, str], dict[str, str]]:
        """The form and headers of the token request (RFC 6749 4.1.3, RFC 7636 4.5)."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                "code_verifier": code_verifier}
        headers = {"Accept": "application/json"}
        if self.client_secret is None:
            form["client_id"] = self.client_id  # a public client names itself; PKCE proves it started the flow
        else:
            # client_secret_basic: both parts form-encoded before base64 (RFC 6749 2.3.1).
            pair = f"{quote_plus(self.client_id)}:{quote_plus(self.client_secret.get_secret_value())}"
            headers["Authorization"] = f"Basic {base64.b64encode(pair.encode()).decode()}"
        return form, headers


@dataclass
class _Cached:
    value: Any
    fetched_at: float


@dataclass
class OpenIdProvider:
    """One provider's documents, cached; ``http`` follows no redirects (the endpoints are the discovered ones)."""

    client: Client
    http: httpx.AsyncClient
    clock: Callable[[], float] = time.monotonic
    _discovery: _Cached | None = None
    _keys: _Cached | None = None
    _last_early_key_fetch: float = float("-inf")
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def provider(self) -> Provider:
        async with self._lock:
            if self._discovery is None or self.clock() - self._discovery.fetched_at >= DISCOVERY_SECONDS:
                self._discovery = _Cached(await self._fetch_discovery(), self.clock())
            found: Provider = self._discovery.value
            return found

    def authorization_url(self, provider: Provider, state: str, nonce: str, code_challenge: str) -> str:
        query = urlencode({"response_type": "code", "client_id": self.client.client_id,
                           "redirect_uri": self.client.redirect_uri, "scope": self.client.scopes, "state": state,
                           "nonce": nonce, "code_challenge": code_challenge, "code_challenge_method": "S256"})
        separator = "&" if urlsplit(provider.authorization_endpoint).query else "?"
        return f"{provider.authorization_endpoint}{separator}{query}"

    async def exchange(self, provider: Provider, code: str, code_verifier: str) -> str:
        """The ID token the token endpoint gives for ``code`` (not verified yet)."""
        form, headers = self.client.token_request(code, code_verifier)
        try:
            response = await self.http.post(provider.token_endpoint, data=form, headers=headers)
        except httpx.HTTPError as exc:
            raise SignInRefused(f"the provider's token endpoint ({_where(provider.token_endpoint)}) cannot be "
                                f"reached ({type(exc).__name__})") from None
        body = _json(response.content)
        if response.status_code != 200:
            error = body.get("error") if isinstance(body, dict) else None
            description = body.get("error_description") if isinstance(body, dict) else None
            said = f": {_printable(error)}" if isinstance(error, str) else ""
            said += f" ({_printable(description)})" if isinstance(description, str) and description else ""
            raise SignInRefused(f"the provider refused to exchange the authorization code (HTTP "
                                f"{response.status_code}{said})")
        id_token = body.get("id_token") if isinstance(body, dict) else None
        if not isinstance(id_token, str) or not id_token:
            raise SignInRefused("the provider's token response has no id_token (is the openid scope asked for?)")
        return id_token

    async def signing_keys(self, provider: Provider, kid: str | None) -> list[dict[str, Any]]:
        """The provider's public keys that may have signed a token naming ``kid`` (all of them for no kid)."""
        async with self._lock:
            if self._keys is None or self.clock() - self._keys.fetched_at >= DISCOVERY_SECONDS:
                self._keys = _Cached(await self._fetch_keys(provider), self.clock())
            found = _matching(self._keys.value, kid)
            if kid is not None and not found and \
                    self.clock() - self._last_early_key_fetch >= UNKNOWN_KID_COOLDOWN_SECONDS:
                self._last_early_key_fetch = self.clock()
                log.info("an ID token names a key id the provider's cached keys lack; fetching them again")
                self._keys = _Cached(await self._fetch_keys(provider), self.clock())
                found = _matching(self._keys.value, kid)
            return found

    async def _fetch_discovery(self) -> Provider:
        issuer = self.client.issuer
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = await self._get(url, "discovery document")
        if document.get("issuer") != issuer:
            raise SignInRefused(f"the provider's discovery document names issuer {document.get('issuer')!r}, not "
                                f"the configured {issuer!r} (RUNAGENTS_OIDC_ISSUER must be exactly its issuer)")
        fields = {}
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            value = document.get(name)
            if not isinstance(value, str) or urlsplit(value).scheme not in ("https", "http"):
                raise SignInRefused(f"the provider's discovery document has no usable {name}")
            fields[name] = value
        algorithms = document.get("id_token_signing_alg_values_supported")
        if not isinstance(algorithms, list):
            algorithms = ["RS256"]  # what OpenID Connect Discovery 1.0 requires every provider to support
        return Provider(issuer=issuer, signing_algorithms=tuple(a for a in algorithms if isinstance(a, str)),
                        **fields)

    async def _fetch_keys(self, provider: Provider) -> list[dict[str, Any]]:
        document = await self._get(provider.jwks_uri, "signing keys (JWK set)")
        keys = document.get("keys")
        if not isinstance(keys, list):
            raise SignInRefused("the provider's JWK set has no keys array")
        return [key for key in keys if isinstance(key, dict) and key.get("kty") in ("RSA", "EC", "OKP")
                and "d" not in key and key.get("use", "sig") == "sig"]

    async def _get(self, url: str, what: str) -> dict[str, Any]:
        try:
            response = await self.http.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise SignInRefused(f"the provider's {what} cannot be fetched from {_where(url)} "
                                f"({type(exc).__name__})") from None
        if response.status_code != 200:
            raise SignInRefused(f"the provider's {what} at {_where(url)} answered HTTP {response.status_code}")
        if len(response.content) > MAX_DOCUMENT_BYTES:
            raise SignInRefused(f"the provider's {what} is larger than {MAX_DOCUMENT_BYTES} bytes")
        document = _json(response.content)
        if not isinstance(document, dict):
            raise SignInRefused(f"the provider's {what} at {_where(url)} is not a JSON object")
        return document


def _matching(keys: list[dict[str, Any]], kid: str | None) -> list[dict[str, Any]]:
    return keys if kid is None else [key for key in keys if key.get("kid") == kid]


def _json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


def _where(url: str) -> str:
    """A URL without its query (which may hold what should not be shown)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _printable(text: str, limit: int = 200) -> str:
    return "".join(c if c.isprintable() else "?" for c in text[:limit])
