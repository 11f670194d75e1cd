"""A stand-in OpenID Connect provider outside the platform, served from a local HTTP server: discovery, JWK set,
an /authorize that signs in a configured person at once (no login form) and a /token that checks what a real
provider checks (client authentication, redirect URI, single-use code, PKCE) and answers with an ID token it signs,
or with the one a test asks for (to see the platform refuse forgeries)."""

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

from tests.identity_provider import IdentityProviderStandIn, rsa_key
from tests.loopback_server import serving

CLIENT_ID = "runagents-console"


@dataclass
class Authorization:
    """What /authorize was asked, kept for /token under the code it issued."""

    client_id: str
    redirect_uri: str
    nonce: str
    code_challenge: str
    code_challenge_method: str
    scope: str
    claims: dict[str, Any]


@dataclass
class OidcIssuer:
    client_id: str = CLIENT_ID
    client_secret: str | None = None
    """When set, /token wants HTTP Basic client authentication with it (client_secret_basic)."""
    person: dict[str, Any] = field(default_factory=lambda: {"sub": "alice-1", "email": "alice@example.com",
                                                            "groups": ["platform-admins"]})
    """The claims of whoever /authorize signs in."""
    id_token: Callable[[dict[str, Any]], str] | None = None
    """Mints the ID token from the claims /token would sign (a test sets this to forge); None signs them."""
    discovery_overrides: dict[str, Any] = field(default_factory=dict)
    keys: IdentityProviderStandIn = field(default_factory=IdentityProviderStandIn)
    authorizations: list[Authorization] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    url: str = ""
    _codes: dict[str, Authorization] = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return self.url

    def discovery(self) -> dict[str, Any]:
        return {"issuer": self.issuer, "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token", "jwks_uri": f"{self.url}/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                # HS256 and none announced on purpose: the platform must refuse them whatever a provider says.
                "id_token_signing_alg_values_supported": ["RS256", "ES256", "HS256", "none"],
                "code_challenge_methods_supported": ["S256"], **self.discovery_overrides}

    def claims(self, authorization: Authorization, **overrides: Any) -> dict[str, Any]:
        """The ID token's claims for ``authorization``; ``overrides`` replace them (None leaves one out)."""
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": authorization.client_id, "iat": now, "exp": now + 300,
                  "nonce": authorization.nonce, **authorization.claims, **overrides}
        return {name: value for name, value in claims.items() if value is not None}

    def _authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if query.get("client_id") != self.client_id or query.get("response_type") != "code" or \
                "redirect_uri" not in query or "openid" not in query.get("scope", "").split():
            return 400, {}, b"bad authorization request"
        target = query["redirect_uri"]
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return 302, {"Location": _with_query(target, error="invalid_request", state=query.get("state", ""),
                                                 error_description="PKCE S256 is required")}, b""
        code = secrets.token_urlsafe(16)
        authorization = Authorization(client_id=query["client_id"], redirect_uri=target,
                                      nonce=query.get("nonce", ""), code_challenge=query["code_challenge"],
                                      code_challenge_method=query["code_challenge_method"],
                                      scope=query.get("scope", ""), claims=dict(self.person))
        self.authorizations.append(authorization)
        self._codes[code] = authorization
        return 302, {"Location": _with_query(target, code=code, state=query.get("state", ""))}, b""

    def _token(self, form: dict[str, str], authorization_header: str | None) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        client_id = form.get("client_id")
        if self.client_secret is not None:
            if _basic_credentials(authorization_header) != (self.client_id, self.client_secret):
                return 401, {"error": "invalid_client", "error_description": "client authentication failed"}
            client_id = self.client_id
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        authorization = self._codes.pop(form.get("code", ""), None)  # good once
        if authorization is None or authorization.client_id != client_id:
            return 400, {"error": "invalid_grant", "error_description": "unknown or used code"}
        if form.get("redirect_uri") != authorization.redirect_uri:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}
        challenge = base64.urlsafe_b64encode(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
        if not form.get("code_verifier") or challenge.rstrip(b"=").decode() != authorization.code_challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        claims = self.claims(authorization)
        id_token = self.id_token(claims) if self.id_token is not None else self.keys.sign(**claims)
        return 200, {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300,
                     "id_token": id_token}

    @contextmanager
    def serving(self) -> Iterator["OidcIssuer"]:
        issuer = self
        if not self.keys.published:
            self.keys.publish(rsa_key())

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path, _, raw_query = self.path.partition("?")
                query = {name: values[0] for name, values in parse_qs(raw_query).items()}
                if path == "/.well-known/openid-configuration":
                    self._json(200, issuer.discovery())
                elif path == "/jwks":
                    issuer.keys.fetches += 1
                    self._json(200, issuer.keys.jwks())
                elif path == "/authorize":
                    status, headers, body = issuer._authorize(query)
                    self._answer(status, headers, body)
                else:
                    self.send_error(404)

            def do_POST(self) -> None:
                if self.path != "/token":
                    self.send_error(404)
                    return
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                form = {name: values[0] for name, values in parse_qs(raw).items()}
                status, body = issuer._token(form, self.headers.get("Authorization"))
                self._json(status, body)

            def _json(self, status: int, body: dict[str, Any]) -> None:
                self._answer(status, {"Content-Type": "application/json", "Cache-Control": "no-store"},
                             json.dumps(body).encode())

            def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        with serving(Handler) as base_url:
            self.url = base_url
            self.keys.issuer = self.url
            yield self


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    """client_secret_basic: Base64 of the form-encoded id and secret joined by a colon (RFC 6749 2.3.1)."""
    scheme, _, encoded = (header or "").partition(" ")
    if scheme != "Basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except ValueError:
        return None
    return unquote_plus(client_id), unquote_plus(secret)


def _with_query(url: str, **params: str) -> str:
    separator = "&" if urlsplit(url).query else "?"
    return f"{url}{separator}{urlencode(params)}"
