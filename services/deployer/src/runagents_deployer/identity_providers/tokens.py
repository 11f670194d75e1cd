"""Who is calling an agent with authenticated access: the bearer token, verified against the agent's
identity provider (signature by one of its keys, an allowed algorithm, iss, aud, exp/nbf/iat).

Every refusal is a 401 with an RFC 6750 challenge. Its detail says what was wrong so a caller can
fix it, and never repeats the token or anything read from it.
"""

import base64
import binascii
import json
import logging
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from jwt.exceptions import (
    DecodeError,
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidIssuedAtError,
    InvalidIssuerError,
    InvalidJTIError,
    InvalidKeyError,
    InvalidSignatureError,
    InvalidSubjectError,
    InvalidTokenError,
    MissingRequiredClaimError,
    PyJWKError,
)

from runagents_common.errors import Unauthorized
from runagents_deployer.identity_providers.keys import SigningKeys, TrustedProvider
from runagents_deployer.settings import DeployerSettings

log = logging.getLogger("runagents.deployer.tokens")

REALM = "runagents"
MAX_USER_LENGTH = 255
"""A run's user is stored in 255 characters."""
EC_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
MAX_KEYS_TRIED = 10
"""A token without a kid is tried against this many of the provider's keys at most."""
MAX_TOKEN_LENGTH = 16 * 1024
"""Far above what identity providers issue (a few KB with many group claims); a longer token is refused unread."""


class InvalidToken(Unauthorized):
    code = "invalid_token"

    def __init__(self, detail: str, **extra: Any) -> None:
        # error_description allows printable ASCII but for '"' and '\\' (RFC 6750 3).
        description = "".join(c if " " <= c <= "~" and c not in '"\\' else "'" if c == '"' else "?" for c in detail)
        super().__init__(detail, headers={
            "WWW-Authenticate": f'Bearer realm="{REALM}", error="invalid_token", error_description="{description}"',
        }, **extra)


class TokenRequired(Unauthorized):
    code = "token_required"

    def __init__(self, detail: str, **extra: Any) -> None:
        # RFC 6750 3.1: a request without credentials gets a challenge without an error code.
        super().__init__(detail, headers={"WWW-Authenticate": f'Bearer realm="{REALM}"'}, **extra)


@dataclass
class TokenVerifier:
    keys: SigningKeys
    leeway: float

    async def aclose(self) -> None:
        await self.keys.http.aclose()

    async def caller(self, authorization: str | None, agent: str, provider_name: str,
                     provider: TrustedProvider | None) -> str:
        """The caller's name (the provider's ``user_claim``) from a verified ``Authorization: Bearer`` token."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer":
            raise TokenRequired(f"agent {agent!r} needs a token from identity provider {provider_name!r}: "
                                "send Authorization: Bearer <JWT>")
        token = token.strip()
        if not token:
            raise InvalidToken("the Authorization header has the Bearer scheme but no token")
        if provider is None:
            raise InvalidToken(f"identity provider {provider_name!r}, which agent {agent!r} trusts, is not "
                               "registered any more: no token can open this agent until it is redeployed")
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken(f"the bearer token is {len(token)} characters long; at most {MAX_TOKEN_LENGTH}")
        header = _header(token)
        alg, kid = header.get("alg"), header.get("kid")
        if not isinstance(alg, str) or alg not in provider.algorithms:
            raise InvalidToken(f"the token is signed with an algorithm identity provider {provider.name!r} does "
                               f"not allow (allowed: {', '.join(provider.algorithms)})")
        candidates = [key for key in await self.keys.candidates(provider, kid) if _fits(key, alg)]
        if not candidates:
            raise InvalidToken(
                f"the token's key id is not among the signing keys of identity provider {provider.name!r}"
                if kid is not None else
                f"identity provider {provider.name!r} has no {alg} signing key, and the token names none (kid)"
            )
        claims = self._claims(token, alg, candidates[:MAX_KEYS_TRIED], provider)
        user = claims.get(provider.user_claim)
        if isinstance(user, int | float) and not isinstance(user, bool):
            user = str(user)
        if not isinstance(user, str) or not user:
            raise InvalidToken(f"the token has no {provider.user_claim!r} claim naming the caller "
                               f"(identity provider {provider.name!r} names callers by it)")
        if len(user) > MAX_USER_LENGTH:
            raise InvalidToken(f"the token's {provider.user_claim!r} claim is longer than {MAX_USER_LENGTH} "
                               "characters")
        return user

    def _claims(self, token: str, alg: str, candidates: list[dict[str, Any]],
                provider: TrustedProvider) -> dict[str, Any]:
        for key in candidates:
            try:
                verifying_key = jwt.PyJWK(key, algorithm=alg)
            except (InvalidKeyError, PyJWKError):
                continue  # a key of the set this library cannot load is no key to verify with
            try:
                claims: dict[str, Any] = jwt.decode(
                    token, key=verifying_key, algorithms=[alg], audience=provider.audiences,
                    issuer=provider.issuer, leeway=self.leeway, options={"require": ["exp", "iss", "aud"]},
                )
                return claims
            except InvalidSignatureError:
                continue
            except InvalidTokenError as exc:
                raise InvalidToken(_reason(exc, token, provider)) from None
            except (ValueError, TypeError, OverflowError, RecursionError) as exc:
                # Whatever a token holds, its caller gets a 401, never a 500 (the token is not logged).
                log.warning("a token of identity provider %s could not be read (%s)", provider.name,
                            type(exc).__name__)
                raise InvalidToken("the token's claims cannot be read") from None
        raise InvalidToken(f"the token's signature does not verify with the keys of identity provider "
                           f"{provider.name!r}")


def _header(token: str) -> dict[str, Any]:
    """The token's JOSE header, refused when it asks for what plain signed JWTs do not use."""
    try:
        header: dict[str, Any] = jwt.get_unverified_header(token)
    except (InvalidTokenError, ValueError, TypeError, RecursionError):
        raise InvalidToken(_header_problem(_segment(token, 0)) or "the bearer token is not a well-formed JWT") from None
    problem = _header_problem(header)
    if problem:
        raise InvalidToken(problem)
    return header


def _header_problem(header: Any) -> str | None:
    """What a header asks for that is not supported (named by member, never by value)."""
    if not isinstance(header, dict):
        return None
    if "crit" in header:
        return ("the token's header lists critical extensions (crit), and none is supported here: send a plain "
                "signed JWT (RFC 7519)")
    if header.get("b64", True) is not True:
        return "the token's payload is not base64url-encoded (header b64), as a JWT's always is"
    if "kid" in header and not isinstance(header["kid"], str):
        return "the token's kid header is not a string"
    return None


def _segment(token: str, index: int) -> Any:
    """Part ``index`` of a compact JWS, decoded as JSON; None when it is not that."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        raw = parts[index].encode("ascii")
        return json.loads(base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4)))
    except (ValueError, binascii.Error, RecursionError):
        return None


def _malformed_claims(token: str) -> str:
    """What is wrong with the claims of a token whose signature verified but whose claims did not parse."""
    claims = _segment(token, 1)
    if not isinstance(claims, dict):
        return "the token's claims cannot be read as a JSON object"
    for name in ("exp", "nbf", "iat"):
        value = claims.get(name)
        if name in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
            return f"the token's {name!r} claim is not a number (seconds since the epoch)"
    return "the token's claims are not well-formed (exp, nbf and iat must be numbers)"


def _fits(key: dict[str, Any], alg: str) -> bool:
    """Whether ``key`` can verify a signature made with ``alg`` (a key naming its alg allows only that one)."""
    if key.get("alg") not in (None, alg):
        return False
    kty = key.get("kty")
    if alg.startswith(("RS", "PS")):
        return kty == "RSA"
    if alg in EC_CURVES:
        return kty == "EC" and key.get("crv") == EC_CURVES[alg]
    return alg == "EdDSA" and kty == "OKP"


def _reason(exc: InvalidTokenError, token: str, provider: TrustedProvider) -> str:
    if isinstance(exc, ExpiredSignatureError):
        return "the token has expired"
    if isinstance(exc, ImmatureSignatureError):
        return "the token is not valid yet (nbf or iat is in the future)"
    if isinstance(exc, InvalidIssuerError):
        return f"the token was not issued by {provider.issuer!r} (identity provider {provider.name!r})"
    if isinstance(exc, InvalidAudienceError):
        return f"the token is not meant for this agent: its audience is none of {', '.join(provider.audiences)}"
    if isinstance(exc, MissingRequiredClaimError):
        return f"the token has no {exc.claim!r} claim"
    if isinstance(exc, InvalidIssuedAtError):
        return "the token's 'iat' claim is not a number (seconds since the epoch)"
    if isinstance(exc, InvalidSubjectError):
        return "the token's 'sub' claim is not a string"
    if isinstance(exc, InvalidJTIError):
        return "the token's 'jti' claim is not a string"
    if isinstance(exc, InvalidAlgorithmError):
        return f"the token's algorithm does not fit the signing keys of identity provider {provider.name!r}"
    if isinstance(exc, DecodeError):  # raised after the signature verified: the claims are the provider's
        return _malformed_claims(token)
    return "the token is not valid"


def token_verifier(settings: DeployerSettings) -> TokenVerifier:
    """The front door's verifier, with its own client for identity providers' JWK sets (close it with ``aclose``)."""
    # No redirects: the keys come from the URL the provider was registered with, not from wherever it points.
    http = httpx.AsyncClient(timeout=settings.jwks_fetch_timeout_seconds, follow_redirects=False)
    keys = SigningKeys(http, ttl=settings.jwks_cache_seconds, cooldown=settings.jwks_refresh_cooldown_seconds)
    return TokenVerifier(keys, leeway=settings.token_leeway_seconds)
