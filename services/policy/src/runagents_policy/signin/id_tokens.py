"""Checking an ID token (OpenID Connect Core 3.1.3.7): signed by one of the provider's published keys with an
asymmetric algorithm the provider announces, issued by the configured issuer for this client, in its time, and
answering the nonce this browser's sign-in sent."""

import hmac
from typing import Any

import jwt
from jwt.exceptions import (
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidAudienceError,
    InvalidIssuerError,
    InvalidKeyError,
    InvalidSignatureError,
    InvalidTokenError,
    MissingRequiredClaimError,
    PyJWKError,
)

from runagents_policy.identity_providers.jose import ALGORITHMS, key_algorithms
from runagents_policy.signin.oidc import OpenIdProvider, Provider, SignInRefused

LEEWAY_SECONDS = 60
MAX_TOKEN_LENGTH = 16 * 1024
MAX_KEYS_TRIED = 10


async def verified_claims(openid: OpenIdProvider, provider: Provider, id_token: str, nonce: str) -> dict[str, Any]:
    """The ID token's claims once every check passed; else :class:`SignInRefused` saying which check failed."""
    client_id = openid.client.client_id
    if len(id_token) > MAX_TOKEN_LENGTH:
        raise SignInRefused(f"the provider's ID token is longer than {MAX_TOKEN_LENGTH} characters")
    try:
        header = jwt.get_unverified_header(id_token)
    except (InvalidTokenError, ValueError, TypeError, RecursionError):
        raise SignInRefused("the provider's ID token is not a well-formed JWT") from None
    if "crit" in header:
        raise SignInRefused("the provider's ID token lists critical header extensions (crit); none is supported")
    alg, kid = header.get("alg"), header.get("kid")
    # Never "none", never HS*: a provider's public key must not double as a shared secret (RS/HS confusion).
    allowed = [a for a in ALGORITHMS if a in provider.signing_algorithms]
    if not isinstance(alg, str) or alg not in allowed:
        raise SignInRefused(f"the ID token is signed with an algorithm that is not accepted (accepted: "
                            f"{', '.join(allowed) or 'none: the provider announces no asymmetric algorithm'})")
    if kid is not None and not isinstance(kid, str):
        raise SignInRefused("the ID token's kid header is not a string")
    keys = [key for key in await openid.signing_keys(provider, kid) if alg in key_algorithms(key)]
    if not keys:
        raise SignInRefused("the ID token's key id is not among the provider's signing keys" if kid is not None
                            else f"the provider publishes no {alg} key, and the ID token names none (kid)")
    claims = _decoded(id_token, alg, keys[:MAX_KEYS_TRIED], provider.issuer, client_id)
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    azp = claims.get("azp")
    if len(audiences) > 1 and azp != client_id:
        raise SignInRefused("the ID token has several audiences and its authorized party (azp) is not this "
                            "platform's client")
    if azp is not None and azp != client_id:
        raise SignInRefused("the ID token's authorized party (azp) is not this platform's client")
    sent = claims.get("nonce")
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), nonce.encode()):
        raise SignInRefused("the ID token does not answer this sign-in (nonce mismatch): start again")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise SignInRefused("the ID token has no subject (sub)")
    return claims


def _decoded(id_token: str, alg: str, keys: list[dict[str, Any]], issuer: str, client_id: str) -> dict[str, Any]:
    for key in keys:
        try:
            verifying_key = jwt.PyJWK(key, algorithm=alg)
        except (InvalidKeyError, PyJWKError):
            continue  # a published key this library cannot load verifies nothing
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token, key=verifying_key, algorithms=[alg], audience=client_id, issuer=issuer,
                leeway=LEEWAY_SECONDS, options={"require": ["iss", "sub", "aud", "exp", "iat"]})
            return claims
        except InvalidSignatureError:
            continue
        except InvalidTokenError as exc:
            raise SignInRefused(_reason(exc)) from None
        except (ValueError, TypeError, OverflowError, RecursionError):
            raise SignInRefused("the ID token's claims cannot be read") from None
    raise SignInRefused("the ID token's signature does not verify with the provider's published keys")


def _reason(exc: InvalidTokenError) -> str:
    if isinstance(exc, ExpiredSignatureError):
        return "the ID token has expired"
    if isinstance(exc, ImmatureSignatureError):
        return "the ID token is not valid yet (iat or nbf is in the future): check the clocks"
    if isinstance(exc, InvalidIssuerError):
        return "the ID token was not issued by the configured issuer"
    if isinstance(exc, InvalidAudienceError):
        return "the ID token is not meant for this platform: its audience is not the platform's client id"
    if isinstance(exc, MissingRequiredClaimError):
        return f"the ID token has no {exc.claim!r} claim"
    return f"the ID token is not valid ({type(exc).__name__})"
