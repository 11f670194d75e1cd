"""What a JWK set of token-signing public keys must look like (RFC 7517, RFC 7518, RFC 8037).

The policy service checks the shape of each key: its type, its public members, their encodings
and sizes. The deployer, which verifies tokens, loads the keys with a JOSE library. Messages name
a key by its position and ``kid``, never by its material.
"""

import base64
import binascii
import re
from typing import Any

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
"""Asymmetric JWS algorithms a provider may allow; HS* (shared secrets) and "none" are never among them."""
DEFAULT_ALGORITHMS = ["RS256", "ES256"]

EC_CURVES = {"P-256": ("ES256", 32), "P-384": ("ES384", 48), "P-521": ("ES512", 66)}
OKP_CURVES = {"Ed25519": 32, "Ed448": 57}
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
MIN_RSA_BITS = 2048
MAX_KEYS = 100
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")


def algorithm_problem(name: str) -> str | None:
    """Why ``name`` cannot be an allowed algorithm, or None if it can."""
    if name in ALGORITHMS:
        return None
    if name.lower() == "none":
        return "algorithm 'none' would accept unsigned tokens"
    if name.upper().startswith("HS"):
        return (f"algorithm {name!r} is symmetric (a shared secret), and a JWK set publishes public keys "
                f"only; use one of {', '.join(ALGORITHMS)}")
    return f"unknown algorithm {name!r}; use one of {', '.join(ALGORITHMS)}"


def key_algorithms(key: dict[str, Any]) -> set[str]:
    """The algorithms a well-formed public JWK can verify."""
    kty, crv, alg = key.get("kty"), _text(key.get("crv")), _text(key.get("alg"))
    if kty == "RSA":
        usable = {a for a in ALGORITHMS if a.startswith(("RS", "PS"))}
    elif kty == "EC":
        usable = {EC_CURVES[crv][0]} if crv in EC_CURVES else set()
    elif kty == "OKP":
        usable = {"EdDSA"} if crv in OKP_CURVES else set()
    else:
        usable = set()
    return usable & {alg} if alg else usable


def _text(value: Any) -> str | None:
    """``value`` if it is a string (a member of another JSON type never names a curve or algorithm)."""
    return value if isinstance(value, str) else None


def jwk_set_problems(value: Any) -> list[str]:
    """Everything that keeps ``value`` from being a JWK set of signature-verifying public keys."""
    if not isinstance(value, dict) or not isinstance(value.get("keys"), list):
        return ['a JWK set is an object with a "keys" array']
    keys: list[Any] = value["keys"]
    if not keys:
        return ["the JWK set has no keys"]
    if len(keys) > MAX_KEYS:
        return [f"the JWK set has {len(keys)} keys; at most {MAX_KEYS}"]
    problems: list[str] = []
    seen: set[str] = set()
    for index, key in enumerate(keys):
        problems.extend(_key_problems(index, key))
        kid = key.get("kid") if isinstance(key, dict) else None
        if isinstance(kid, str):
            if kid in seen:
                problems.append(f"two keys have kid {kid!r}: a token could not say which one signed it")
            seen.add(kid)
    return problems


def _key_problems(index: int, key: Any) -> list[str]:
    if not isinstance(key, dict):
        return [f"key {index} is not an object"]
    kid = key.get("kid")
    if kid is not None and (not isinstance(kid, str) or not kid):
        return [f"key {index}: kid must be a non-empty string"]
    label = f"key {index}" + (f" (kid {kid!r})" if kid else "")
    wrong_types = [member for member in ("kty", "crv", "alg", "use") if member in key
                   and not isinstance(key[member], str)]
    if wrong_types:
        return [f"{label}: member {', '.join(map(repr, wrong_types))} must be a string"]
    private = [member for member in PRIVATE_MEMBERS if member in key]
    kty = key.get("kty")
    if kty == "oct":
        return [f"{label} is a symmetric key (kty 'oct'): a shared secret does not belong in a JWK set"]
    if private:
        return [f"{label} holds private key material ({', '.join(private)}): publish the public key only"]
    if key.get("use") not in (None, "sig"):
        return [f"{label} is for use {key.get('use')!r}, not 'sig'"]
    if kty == "RSA":
        problems = _members(label, key, "n", "e")
        if not problems:
            bits = len(_decode(key["n"]).lstrip(b"\0")) * 8
            if bits < MIN_RSA_BITS:
                problems.append(f"{label}: an RSA key of {bits} bits is too short (at least {MIN_RSA_BITS})")
    elif kty == "EC":
        if key.get("crv") not in EC_CURVES:
            return [f"{label}: unknown EC curve {key.get('crv')!r}; use one of {', '.join(EC_CURVES)}"]
        problems = _members(label, key, "x", "y", size=EC_CURVES[key["crv"]][1])
    elif kty == "OKP":
        if key.get("crv") not in OKP_CURVES:
            return [f"{label}: unknown OKP curve {key.get('crv')!r}; use one of {', '.join(OKP_CURVES)}"]
        problems = _members(label, key, "x", size=OKP_CURVES[key["crv"]])
    else:
        return [f"{label}: unknown key type {kty!r}; use RSA, EC or OKP"]
    alg = key.get("alg")
    if not problems and alg is not None and alg not in key_algorithms({**key, "alg": None}):
        problems.append(f"{label}: alg {alg!r} cannot be used with a {kty} key" +
                        (f" on {key['crv']}" if "crv" in key else ""))
    return problems


def _members(label: str, key: dict[str, Any], *names: str, size: int | None = None) -> list[str]:
    problems = []
    for name in names:
        raw = key.get(name)
        if not isinstance(raw, str) or not raw:
            problems.append(f"{label}: member {name!r} is missing")
        elif not _BASE64URL.match(raw) or _decode(raw) == b"":
            problems.append(f"{label}: member {name!r} is not base64url")
        elif size is not None and len(_decode(raw)) != size:
            problems.append(f"{label}: member {name!r} has {len(_decode(raw))} bytes, {key.get('crv')} needs {size}")
    return problems


def _decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return b""
