"""Who may call which endpoint: every /api/v1 route says what it needs, and is refused to others.

An endpoint declares its need with :func:`requires` (in ``dependencies=[...]`` or as an annotated parameter
that receives the :class:`Principal`), or :data:`CALLERS_OF_THE_AGENT` for an agent's invoke, which follows the
agent's own access mode. :func:`check_access_declared` refuses to start an app with an /api/v1 route that says neither.
"""

import base64
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from fastapi.security import APIKeyCookie, HTTPBearer

from runagents_common.auth.authenticator import Authenticator
from runagents_common.auth.credentials import (
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_COOKIE,
    CredentialKind,
    credential_of,
)
from runagents_common.auth.principals import ANONYMOUS, LEAST_ROLE, Permission, Principal
from runagents_common.errors import Forbidden, Unauthorized

log = logging.getLogger("runagents.auth")

API_PREFIX = "/api/v1"
CHALLENGE = 'Bearer realm="runagents"'
ACCESS_MARK = "runagents_access"
"""The attribute that marks a dependency as a route's access rule."""


class CsrfTokenMissing(Forbidden):
    """A change made with a session cookie came without the session's CSRF token (403): another site's page may
    have sent it."""

    code = "csrf"


class Authentication:
    """How the process learns who calls: an :class:`Authenticator`, or nobody checks (authentication off)."""

    def __init__(self, authenticator: Authenticator | None) -> None:
        self.authenticator = authenticator

    @property
    def enabled(self) -> bool:
        return self.authenticator is not None

    async def principal_of(self, request: Request) -> Principal:
        """The request's principal; 401 when it proves no one, 403 for a session write without its CSRF token."""
        if self.authenticator is None:
            return ANONYMOUS
        credential = credential_of(request)
        if credential is None:
            raise Unauthorized("this needs a credential: an API key as `Authorization: Bearer <key>`, or a "
                               "sign-in session (/auth/signin)", headers={"WWW-Authenticate": CHALLENGE})
        principal = await self.authenticator.authenticate(credential) if credential.value else None
        if principal is None:
            what = "API key" if credential.kind is CredentialKind.BEARER else "sign-in session"
            raise Unauthorized(f"the {what} is not valid: unknown, revoked or expired",
                               headers={"WWW-Authenticate": f'{CHALLENGE}, error="invalid_token"'})
        if credential.kind is CredentialKind.SESSION:
            if request.method not in SAFE_METHODS:
                sent = request.headers.get(CSRF_HEADER, "")
                if not hmac.compare_digest(sent.encode(), csrf_token(credential.value).encode()):
                    raise CsrfTokenMissing(f"a change made with a sign-in session needs the session's CSRF token in "
                                           f"the {CSRF_HEADER} header (the runagents_csrf cookie holds it)")
            principal = principal.model_copy(update={"session": True})
        return principal


def csrf_token(session_token: str) -> str:
    """The CSRF token of a session: derived from its cookie, so any service checks it without asking."""
    digest = hashlib.sha256(b"runagents csrf\x00" + session_token.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


_bearer = HTTPBearer(auto_error=False, description="An API key (`ra_...`).")
_session = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="A sign-in session.")
_authorizers: dict[Permission, Callable[..., Awaitable[Principal]]] = {}


def _authorizer(permission: Permission) -> Callable[..., Awaitable[Principal]]:
    found = _authorizers.get(permission)
    if found is not None:
        return found

    # The two security dependencies document the schemes in OpenAPI (Swagger UI's Authorize); the credential
    # itself is read from the request by Authentication.
    async def authorize(request: Request, _bearer_credential: Annotated[Any, Depends(_bearer)],
                        _session_cookie: Annotated[Any, Depends(_session)]) -> Principal:
        principal = await authentication_of(request).principal_of(request)
        if not principal.may(permission):
            needed = LEAST_ROLE[permission]
            raise Forbidden(f"this needs the {needed} role (or admin); {principal.label} is {principal.role}",
                            required_role=needed.value, role=principal.role.value)
        return principal

    setattr(authorize, ACCESS_MARK, permission.value)
    _authorizers[permission] = authorize
    return authorize


def requires(permission: Permission) -> Any:
    """The dependency of an endpoint that needs ``permission``; it yields the caller's :class:`Principal`."""
    return Depends(_authorizer(permission))


async def _agent_access() -> None:
    """An agent's invoke: who may call it is the agent's access mode, checked by the deployer."""


setattr(_agent_access, ACCESS_MARK, "agent")
AGENT_ACCESS: Any = Depends(_agent_access)

Reader = Annotated[Principal, requires(Permission.READ)]
Operator = Annotated[Principal, requires(Permission.OPERATE)]
Admin = Annotated[Principal, requires(Permission.ADMINISTER)]


def authentication_of(request: Request) -> Authentication:
    found: Authentication = request.app.state.authentication
    return found


def access_rule(route: APIRoute) -> str | None:
    """What ``route`` declared it needs (a permission's name, or "agent"), or None."""
    for dependency in route.dependant.dependencies:
        mark = getattr(dependency.call, ACCESS_MARK, None)
        if mark is not None:
            return str(mark)
    return None


def check_access_declared(routes: Iterable[Any]) -> None:
    """Raise if an /api/v1 route declares no access rule: a forgotten rule must not leave an endpoint open."""
    missing = [f"{sorted(route.methods or ())} {route.path}" for route in routes
               if isinstance(route, APIRoute) and route.path.startswith(API_PREFIX) and access_rule(route) is None]
    if missing:
        raise RuntimeError(f"API routes without an access rule (requires(...) or AGENT_ACCESS): {', '.join(missing)}")


READERS: list[Any] = [requires(Permission.READ)]
"""``dependencies=READERS``: any principal (viewer and up, the services too). An endpoint that records who
changed something takes the principal instead: ``principal: Operator``."""
ADMINS: list[Any] = [requires(Permission.ADMINISTER)]
CALLERS_OF_THE_AGENT: list[Any] = [AGENT_ACCESS]
"""``dependencies=CALLERS_OF_THE_AGENT``: an agent's invoke, open or not as the agent's access mode says."""
