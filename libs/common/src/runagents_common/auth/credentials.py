"""Where a request carries its credential: a Bearer token, or the sign-in session's cookie."""

from dataclasses import dataclass
from enum import StrEnum

from starlette.requests import HTTPConnection

SESSION_COOKIE = "runagents_session"
"""The sign-in session (HttpOnly): an opaque token the policy service knows the hash of."""
CSRF_COOKIE = "runagents_csrf"
"""The session's CSRF token, readable by the console's scripts, which send it back in :data:`CSRF_HEADER`."""
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CredentialKind(StrEnum):
    BEARER = "bearer"
    SESSION = "session"


@dataclass(frozen=True)
class Credential:
    kind: CredentialKind
    value: str


def credential_of(connection: HTTPConnection) -> Credential | None:
    """The request's credential: its ``Authorization: Bearer`` token, else its session cookie, else None."""
    authorization = connection.headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and token:
            return Credential(CredentialKind.BEARER, token)
        return Credential(CredentialKind.BEARER, "")  # a malformed header is refused, never ignored
    cookie = connection.cookies.get(SESSION_COOKIE)
    if cookie:
        return Credential(CredentialKind.SESSION, cookie)
    return None
