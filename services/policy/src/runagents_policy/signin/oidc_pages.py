"""Sign-in through the platform's OpenID Connect provider: the authorization-code flow with PKCE, ending in a
sign-in session like the other ways in. Every refusal lands on the sign-in page (401) with its reason, logged."""

import hashlib
import hmac
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from runagents_common.auth import Principal, PrincipalKind
from runagents_common.settings import MissingSetting, RunMode, dev_secret
from runagents_policy.settings import PolicySettings
from runagents_policy.signin.id_tokens import verified_claims
from runagents_policy.signin.oidc import CALLBACK_PATH, Client, OpenIdProvider, SignInRefused
from runagents_policy.signin.pages import (
    ACCOUNT_PATH,
    cookies_secure,
    local_path,
    policy_context,
    sign_in_page,
    start_session,
)
from runagents_policy.signin.role_mapping import NoRole, RoleMapping
from runagents_policy.signin.state import (
    STATE_COOKIE,
    STATE_COOKIE_PATH,
    STATE_LIFETIME_SECONDS,
    InvalidState,
    SignInStates,
)

log = logging.getLogger("runagents.policy.oidc")

router = APIRouter(prefix="/auth/oidc", tags=["sign-in"], include_in_schema=False)

STATE_SECRET_FILE = "sign-in-state.secret"
STATE_SECRET_LABEL = b"runagents sign-in state v1"
NAME_CLAIMS = ("email", "preferred_username", "name", "sub")
MAX_NAME_LENGTH = 255


@dataclass
class OidcSignIn:
    openid: OpenIdProvider
    states: SignInStates
    roles: RoleMapping

    async def aclose(self) -> None:
        await self.openid.http.aclose()


def oidc_sign_in(settings: PolicySettings) -> OidcSignIn | None:
    """The platform's OpenID Connect sign-in as configured, or None when no provider is; a setting it needs but
    lacks stops the start with :class:`MissingSetting`."""
    if not settings.oidc_issuer:
        return None
    if not settings.oidc_client_id:
        raise MissingSetting("RUNAGENTS_OIDC_CLIENT_ID is not set: the platform's client id at the OpenID Connect "
                             f"provider {settings.oidc_issuer} (RUNAGENTS_OIDC_ISSUER is set)")
    scopes = settings.oidc_scopes.split()
    client = Client(issuer=settings.oidc_issuer, client_id=settings.oidc_client_id,
                    client_secret=settings.oidc_client_secret or None,
                    redirect_uri=settings.platform_url.rstrip("/") + CALLBACK_PATH,
                    scopes=" ".join(scopes if "openid" in scopes else ["openid", *scopes]))
    # No redirects: the documents come from the issuer's own URLs, the endpoints from its discovery document.
    http = httpx.AsyncClient(timeout=10.0, follow_redirects=False)
    return OidcSignIn(openid=OpenIdProvider(client, http), states=SignInStates(_state_secret(settings)),
                      roles=RoleMapping(settings.oidc_role_claim, dict(settings.oidc_role_map),
                                        settings.oidc_default_role))


def _state_secret(settings: PolicySettings) -> bytes:
    """Dev mode: a data-dir file. Distributed: derived from the services' keys secret under a label of its own, so
    every policy process agrees without one more setting, and the key is good for nothing else."""
    if settings.mode is RunMode.DEV:
        return dev_secret(settings.data_dir, STATE_SECRET_FILE).get_secret_value().encode()
    root = settings.service_keys_secret().get_secret_value().encode()
    return hmac.new(root, STATE_SECRET_LABEL, hashlib.sha256).digest()


def _oidc(request: Request) -> OidcSignIn | None:
    found: OidcSignIn | None = policy_context(request).oidc
    return found


@router.get("/login")
async def login(request: Request, then: str = ACCOUNT_PATH) -> Response:
    oidc = _oidc(request)
    if oidc is None:
        return await sign_in_page(request, error="Sign-in with an OpenID Connect provider is not configured on "
                                  "this platform.", then=then)
    try:
        provider = await oidc.openid.provider()
    except SignInRefused as exc:
        return await _refused(request, str(exc), then)
    pending, cookie = oidc.states.start(local_path(then))
    response = RedirectResponse(oidc.openid.authorization_url(provider, pending.state, pending.nonce,
                                                              pending.code_challenge), status_code=303)
    # Lax, not Strict: the provider's redirect back is a cross-site top-level navigation that must carry it.
    response.set_cookie(STATE_COOKIE, cookie, max_age=STATE_LIFETIME_SECONDS, path=STATE_COOKIE_PATH, httponly=True,
                        secure=cookies_secure(request), samesite="lax")
    return response


@router.get("/callback")
async def callback(request: Request, code: str = "", state: str = "", error: str = "",
                   error_description: str = "") -> Response:
    oidc = _oidc(request)
    if oidc is None:
        return await sign_in_page(request, error="Sign-in with an OpenID Connect provider is not configured on "
                                  "this platform.")
    then = ACCOUNT_PATH
    try:
        pending = oidc.states.finish(request.cookies.get(STATE_COOKIE), state)
        then = pending.then
        if error:
            said = f" ({_printable(error_description)})" if error_description else ""
            raise SignInRefused(f"the provider did not sign you in: {_printable(error)}{said}")
        if not code:
            raise SignInRefused("the provider's answer has no authorization code")
        provider = await oidc.openid.provider()
        id_token = await oidc.openid.exchange(provider, code, pending.code_verifier)
        claims = await verified_claims(oidc.openid, provider, id_token, pending.nonce)
        role = oidc.roles.role_of(claims)
    except InvalidState as exc:
        reason = f"the provider did not sign you in: {_printable(error)}" if error else str(exc)
        return await _refused(request, reason, then)
    except (SignInRefused, NoRole) as exc:
        return await _refused(request, str(exc), then)
    principal = Principal(id=f"user:{claims['sub']}@{urlsplit(provider.issuer).netloc}", kind=PrincipalKind.USER,
                          name=_name(claims), role=role)
    log.info("%s signed in through the OpenID Connect provider as %s", principal.label, role.value)
    response = await start_session(request, principal, None, then)
    _clear_state(request, response)
    return response


async def _refused(request: Request, reason: str, then: str) -> Response:
    log.warning("OpenID Connect sign-in refused: %s", reason)
    response = await sign_in_page(request, error=f"Sign-in refused: {reason}", then=then)
    _clear_state(request, response)
    return response


def _clear_state(request: Request, response: Response) -> None:
    response.delete_cookie(STATE_COOKIE, path=STATE_COOKIE_PATH, httponly=True, secure=cookies_secure(request),
                           samesite="lax")


def _name(claims: dict[str, object]) -> str:
    for claim in NAME_CLAIMS:
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            return _printable(value.strip(), MAX_NAME_LENGTH)
    return "?"


def _printable(text: str, limit: int = 200) -> str:
    return "".join(c if c.isprintable() else "?" for c in text[:limit])
