"""The shape of an API key: ``ra_<prefix>_<secret>``; the prefix names the key, only the digest is stored."""

import hashlib
import secrets

from runagents_common.auth.service_keys import SERVICE_KEY_PREFIX

API_KEY_PREFIX = "ra_"
PREFIX_LENGTH = 10
"""Characters after ``ra_`` that name the key (listed, shown in the audit, typed to revoke it)."""
_ALPHABET = "abcdefghijkmnopqrstuvwxyz23456789"  # no 0/o, 1/l: a prefix is read and typed by people


def new_api_key() -> tuple[str, str]:
    """A new key and its prefix (``ra_<10 chars>``)."""
    prefix = API_KEY_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(PREFIX_LENGTH))
    return f"{prefix}_{secrets.token_urlsafe(32)}", prefix


def prefix_of(key: str) -> str | None:
    """The prefix of something shaped like an API key (not a service key), else None."""
    if not key.startswith(API_KEY_PREFIX) or key.startswith(SERVICE_KEY_PREFIX):
        return None
    end = len(API_KEY_PREFIX) + PREFIX_LENGTH  # the secret may hold "_" too: the prefix is cut by its length
    if len(key) <= end + 1 or key[end] != "_":
        return None
    return key[:end]


def digest(value: str) -> str:
    """The stored digest of a key or session token (both are long random strings: a fast hash suffices)."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_session_token() -> str:
    return secrets.token_urlsafe(32)
