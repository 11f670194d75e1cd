"""Whatever a bearer token holds (a header asking for extensions, bad base64, claims of the wrong types, a huge
size), the verifier refuses it with a 401 saying what is wrong, never an error of its own (a 500)."""

import base64
import json
import time
from collections.abc import Callable

import httpx
import jwt
import pytest

from runagents_deployer.identity_providers.keys import SigningKeys, TrustedProvider
from runagents_deployer.identity_providers.tokens import InvalidToken, TokenVerifier
from tests.identity_provider import AUDIENCE, IdentityProviderStandIn, rsa_key

IDP = IdentityProviderStandIn()
KEY = rsa_key()
IDP.publish(KEY)
PROVIDER = TrustedProvider("corp", IDP.issuer, [AUDIENCE], ["RS256", "ES256"], "sub", jwks=IDP.jwks())


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def signed_payload(payload: bytes, **header: object) -> str:
    """A token signed by the provider's real key over ``payload`` as given (claims pyjwt would not encode)."""
    return jwt.api_jws.encode(payload, KEY.private, algorithm="RS256", headers={"kid": KEY.kid, **header})


def signed_claims(**overrides: object) -> str:
    return signed_payload(json.dumps(IDP.claims(**overrides)).encode())


def with_header(header: object) -> str:
    """A signed token whose header part is replaced by ``header`` (JSON-encoded)."""
    _, payload, signature = IDP.sign().split(".")
    return f"{b64(json.dumps(header).encode())}.{payload}.{signature}"


def with_part(index: int, text: str) -> str:
    parts = IDP.sign().split(".")
    parts[index] = text
    return ".".join(parts)


LIMIT = 16 * 1024
"""The longest token read (MAX_TOKEN_LENGTH in tokens.py)."""
HEADER = {"alg": "RS256", "typ": "JWT"}
CRITICAL = "lists critical extensions (crit)"
MALFORMED = "not a well-formed JWT"
CASES: dict[str, tuple[Callable[[], str], str]] = {
    "crit with an unknown extension": (lambda: IDP.sign(headers={"crit": ["x-ext"], "x-ext": 1}), CRITICAL),
    "crit naming a registered claim": (lambda: IDP.sign(headers={"crit": ["exp"]}), CRITICAL),
    "crit not a list": (lambda: IDP.sign(headers={"crit": "x-ext"}), CRITICAL),
    "crit empty": (lambda: IDP.sign(headers={"crit": []}), CRITICAL),
    "crit of numbers": (lambda: IDP.sign(headers={"crit": [1]}), CRITICAL),
    "crit b64 (unencoded payload)": (lambda: signed_payload(b"{}", b64=False, crit=["b64"]), CRITICAL),
    "b64 false without crit": (lambda: with_header({**HEADER, "kid": KEY.kid, "b64": False}), "not base64url"),
    "kid a number": (lambda: with_header({**HEADER, "kid": 7}), "kid header is not a string"),
    "kid an object": (lambda: with_header({**HEADER, "kid": {"a": 1}}), "kid header is not a string"),
    "alg a list": (lambda: with_header({**HEADER, "alg": ["RS256"]}), "algorithm identity provider 'corp' does not"),
    "alg a number": (lambda: with_header({**HEADER, "alg": 256}), "algorithm identity provider 'corp' does not"),
    "alg unknown": (lambda: with_header({**HEADER, "alg": "XX999"}), "algorithm identity provider 'corp' does not"),
    "header a list": (lambda: with_header([HEADER]), MALFORMED),
    "header a string": (lambda: with_header("RS256"), MALFORMED),
    "header not JSON": (lambda: with_part(0, b64(b'{"alg": ')), MALFORMED),
    "header not UTF-8": (lambda: with_part(0, b64(b"\xff\xfe\x00")), MALFORMED),
    "header deeply nested": (lambda: with_part(0, b64(b"[" * 5000 + b"]" * 5000)), MALFORMED),
    "header with a 5000-digit number": (lambda: with_part(0, b64(b'{"alg":"RS256","n":' + b"9" * 5000 + b"}")),
                                        MALFORMED),
    "header bad base64": (lambda: with_part(0, "!!!*"), MALFORMED),
    "payload bad base64": (lambda: with_part(1, "a"), MALFORMED),
    "signature bad base64": (lambda: with_part(2, "a"), MALFORMED),
    "two parts": (lambda: IDP.sign().rsplit(".", 1)[0], MALFORMED),
    "five parts (JWE)": (lambda: IDP.sign() + ".a.b", MALFORMED),
    "non-ASCII": (lambda: with_part(1, "é" * 10), MALFORMED),
    "NUL byte": (lambda: IDP.sign() + "\x00", MALFORMED),
    "claims a list": (lambda: signed_payload(b"[1, 2]"), "claims cannot be read as a JSON object"),
    "claims a string": (lambda: signed_payload(b'"alice"'), "claims cannot be read as a JSON object"),
    "claims not JSON": (lambda: signed_payload(b"alice"), "claims cannot be read as a JSON object"),
    "claims with a 5000-digit number": (
        lambda: signed_payload(json.dumps(IDP.claims()).replace('"sub"', '"n": ' + "9" * 5000 + ', "sub"').encode()),
        "claims cannot be read as a JSON object"),
    "exp a string": (lambda: signed_claims(exp="tomorrow"), "'exp' claim is not a number"),
    "exp a list": (lambda: signed_claims(exp=[1]), "'exp' claim is not a number"),
    "exp infinite": (lambda: signed_payload(json.dumps(IDP.claims()).replace('"exp": ', '"exp": 1e999, "x": ')
                                            .encode()), "claims are not well-formed"),
    "nbf a string": (lambda: signed_claims(nbf="now"), "'nbf' claim is not a number"),
    "iat a string": (lambda: signed_claims(iat="now"), "'iat' claim is not a number"),
    "iss a number": (lambda: signed_claims(iss=5), "not issued by"),
    "iss a list": (lambda: signed_claims(iss=[IDP.issuer]), "not issued by"),
    "aud a number": (lambda: signed_claims(aud=5), "its audience is none of"),
    "aud a list of numbers": (lambda: signed_claims(aud=[5]), "its audience is none of"),
    "sub an object": (lambda: signed_claims(sub={"name": "alice"}), "'sub' claim is not a string"),
    "sub a list": (lambda: signed_claims(sub=["alice"]), "'sub' claim is not a string"),
    "sub a boolean": (lambda: signed_claims(sub=True), "'sub' claim is not a string"),
    "jti a number": (lambda: signed_claims(jti=5), "'jti' claim is not a string"),
    "huge (2 MB)": (lambda: IDP.sign(padding="x" * 2_000_000), f"at most {LIMIT}"),
    "just over the limit": (lambda: IDP.sign(padding="x" * LIMIT), f"at most {LIMIT}"),
}



@pytest.mark.parametrize("case", CASES)
async def test_a_malformed_token_is_refused_with_a_reason_never_an_error(case: str) -> None:
    make, expected = CASES[case]
    token = make()
    verifier = TokenVerifier(SigningKeys(httpx.AsyncClient(), ttl=300, cooldown=30), leeway=5)

    with pytest.raises(InvalidToken) as refused:
        await verifier.caller(f"Bearer {token}", "agent-a", "corp", PROVIDER)

    assert refused.value.status == 401 and refused.value.code == "invalid_token"
    assert expected in refused.value.detail, refused.value.detail
    challenge = refused.value.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="runagents", error="invalid_token"')
    for part in (p for p in token.split(".") if len(p) >= 8):  # no piece of the token is repeated
        assert part not in refused.value.detail and part not in challenge


async def test_the_well_formed_token_the_matrix_starts_from_is_accepted() -> None:
    verifier = TokenVerifier(SigningKeys(httpx.AsyncClient(), ttl=300, cooldown=30), leeway=5)
    assert await verifier.caller(f"Bearer {IDP.sign(sub='alice')}", "agent-a", "corp", PROVIDER) == "alice"
    assert await verifier.caller(f"Bearer {signed_claims(sub='bob', iat=int(time.time()))}", "agent-a", "corp",
                                 PROVIDER) == "bob"
