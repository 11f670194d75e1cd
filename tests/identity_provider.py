"""A stand-in for an identity provider outside the platform: real keys generated here, their JWK set
served over HTTP from a local server, and tokens signed with them (or forged, for refusal tests)."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from tests.loopback_server import serving

AUDIENCE = "runagents-agents"


@dataclass
class SigningKey:
    kid: str
    alg: str
    private: Any

    def jwk(self) -> dict[str, Any]:
        """The public half, as the provider publishes it."""
        algorithm = RSAAlgorithm if self.alg.startswith(("RS", "PS")) else ECAlgorithm
        public: dict[str, Any] = algorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "use": "sig", "alg": self.alg}

    def impostor(self) -> "SigningKey":
        """Another private key under this key's kid and alg: what it signs, the published key does not verify."""
        other = rsa_key() if self.alg.startswith(("RS", "PS")) else ec_key()
        return SigningKey(self.kid, self.alg, other.private)

    def public_pem(self) -> bytes:
        return bytes(self.private.public_key().public_bytes(serialization.Encoding.PEM,
                                                            serialization.PublicFormat.SubjectPublicKeyInfo))


def rsa_key(kid: str | None = None, alg: str = "RS256") -> SigningKey:
    return SigningKey(kid or f"rsa-{uuid.uuid4().hex[:8]}", alg,
                      rsa.generate_private_key(public_exponent=65537, key_size=2048))


def ec_key(kid: str | None = None) -> SigningKey:
    return SigningKey(kid or f"ec-{uuid.uuid4().hex[:8]}", "ES256", ec.generate_private_key(ec.SECP256R1()))


@dataclass
class IdentityProviderStandIn:
    issuer: str = field(default_factory=lambda: f"https://idp-{uuid.uuid4().hex[:6]}.example/")
    published: list[SigningKey] = field(default_factory=list)
    fetches: int = 0
    url: str = ""
    """Where the JWK set is served, once :meth:`serving`."""

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.jwk() for key in self.published]}

    def publish(self, *keys: SigningKey) -> None:
        """Replace the published keys (a rotation adds the new key beside the old one)."""
        self.published = list(keys)

    @contextmanager
    def serving(self) -> Iterator["IdentityProviderStandIn"]:
        """Serve the JWK set at ``self.url`` from a local HTTP server, counting fetches."""
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != "/.well-known/jwks.json":
                    self.send_error(404)
                    return
                stand_in.fetches += 1
                body = json.dumps(stand_in.jwks()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        with serving(Handler) as base_url:
            self.url = f"{base_url}/.well-known/jwks.json"
            yield self

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": AUDIENCE, "sub": "alice@example.com", "iat": now, "exp": now + 300}
        claims.update(overrides)
        return {key: value for key, value in claims.items() if value is not None}

    def sign(self, key: SigningKey | None = None, headers: dict[str, Any] | None = None, **claims: Any) -> str:
        """A token signed by ``key`` (the first published key by default); ``claims`` override the defaults
        (a claim given as None is left out)."""
        key = key or self.published[0]
        return jwt.encode(self.claims(**claims), key.private, algorithm=key.alg,
                          headers={"kid": key.kid, **(headers or {})})

    def unsigned(self, kid: str | None = None, **claims: Any) -> str:
        """A token with alg "none" and no signature."""
        return _compact({"alg": "none", "typ": "JWT", **({"kid": kid} if kid else {})}, self.claims(**claims), b"")

    def hmac_with_public_key(self, key: SigningKey, **claims: Any) -> str:
        """The key-confusion forgery: HS256 "signed" with the provider's public key as the shared secret."""
        header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(self.claims(**claims)).encode())}"
        return f"{signing_input}.{_b64(hmac.new(key.public_pem(), signing_input.encode(), hashlib.sha256).digest())}"


def _compact(header: dict[str, Any], claims: dict[str, Any], signature: bytes) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}.{_b64(signature)}"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
