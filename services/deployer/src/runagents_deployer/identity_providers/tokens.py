"""Who is calling an agent with authenticated access: the bearer token, verified against the agent's
identity provider (signature by one of its keys, an allowed algorithm, iss, aud, exp/nbf/iat).

Every refusal is a 401 with an RFC 6750 challenge. Its detail says what was wrong so a caller can
fix it, and never repeats the token or anything read from it.
"""

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
    InvalidKeyError,
    InvalidSignatureError,
    InvalidTokenError,
    MissingRequiredClaimError,
    PyJWKError,
)

from runagents_common.errors import Unauthorized
from runagents_deployer.identity_providers.keys import SigningKeys, TrustedProvider
from runagents_deployer.settings import DeployerSettings

REALM = "runagents"
MAX_USER_LENGTH = 255
"""A run's user is stored in 255 characters."""
EC_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
MAX_KEYS_TRIED = 10
"""A token without a kid is tried against this many of the provider's keys at most."""


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
        try:
            header = jwt.get_unverified_header(token)
        except DecodeError:
            raise InvalidToken("the bearer token is not a well-formed JWT") from None
        alg, kid = header.get("alg"), header.get("kid")
        if not isinstance(alg, str) or alg not in provider.algorithms:
            raise InvalidToken(f"the token is signed with an algorithm identity provider {provider.name!r} does "
                               f"not allow (allowed: {', '.join(provider.algorithms)})")
        if kid is not None and not isinstance(kid, str):
            raise InvalidToken("the token's kid header is not a string")
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
                raise InvalidToken(_reason(exc, provider)) from None
        raise InvalidToken(f"the token's signature does not verify with the keys of identity provider "
                           f"{provider.name!r}")


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


def _reason(exc: InvalidTokenError, provider: TrustedProvider) -> str:
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
        return "the token's iat claim is not a number"
    if isinstance(exc, InvalidAlgorithmError):
        return f"the token's algorithm does not fit the signing keys of identity provider {provider.name!r}"
    if isinstance(exc, DecodeError):
        return "the token's claims are not well-formed (exp, nbf and iat must be numbers)"
    return "the token is not valid"


def token_verifier(settings: DeployerSettings) -> TokenVerifier:
    """The front door's verifier, with its own client for identity providers' JWK sets (close it with ``aclose``)."""
    # No redirects: the keys come from the URL the provider was registered with, not from wherever it points.
    http = httpx.AsyncClient(timeout=settings.jwks_fetch_timeout_seconds, follow_redirects=False)
    keys = SigningKeys(http, ttl=settings.jwks_cache_seconds, cooldown=settings.jwks_refresh_cooldown_seconds)
    return TokenVerifier(keys, leeway=settings.token_leeway_seconds)
