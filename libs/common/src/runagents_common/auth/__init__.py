"""The platform's own identity: who calls its API (API keys, sign-in sessions, service keys) and what each role
may do. The keys and sessions themselves are the policy service's; this package is how every service asks."""

from runagents_common.auth.access import (
    ADMINS,
    CALLERS_OF_THE_AGENT,
    READERS,
    Admin,
    Authentication,
    Operator,
    Reader,
    check_access_declared,
    csrf_token,
    requires,
)
from runagents_common.auth.authenticator import (
    Authenticator,
    IntrospectionRequest,
    IntrospectionResult,
    RemoteAuthenticator,
)
from runagents_common.auth.credentials import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, Credential, CredentialKind
from runagents_common.auth.principals import ANONYMOUS, Permission, Principal, PrincipalKind, Role

__all__ = [
    "ADMINS",
    "ANONYMOUS",
    "CALLERS_OF_THE_AGENT",
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "READERS",
    "SESSION_COOKIE",
    "Admin",
    "Authentication",
    "Authenticator",
    "Credential",
    "CredentialKind",
    "IntrospectionRequest",
    "IntrospectionResult",
    "Operator",
    "Permission",
    "Principal",
    "PrincipalKind",
    "Reader",
    "RemoteAuthenticator",
    "Role",
    "check_access_declared",
    "csrf_token",
    "requires",
]
