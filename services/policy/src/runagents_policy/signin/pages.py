"""Sign-in and sign-out for people: a page with the ways in (an API key pasted, the platform's OpenID Connect
provider when one is configured, the one-time link dev mode prints), and an account page."""

import hmac
import html
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from runagents_common.audit import record_change
from runagents_common.auth import SESSION_COOKIE, Credential, CredentialKind, Principal, PrincipalKind, csrf_token
from runagents_common.auth.access import authentication_of
from runagents_common.auth.bootstrap import bootstrap_principal
from runagents_common.service import component
from runagents_policy.principals import store
from runagents_policy.principals.keys import prefix_of

if TYPE_CHECKING:
    from runagents_policy.component import PolicyContext
from runagents_policy.signin.cookies import clear_session_cookies, set_session_cookies

router = APIRouter(prefix="/auth", tags=["sign-in"], include_in_schema=False)

ACCOUNT_PATH = "/auth/"


def policy_context(request: Request) -> "PolicyContext":
    context: PolicyContext = component(request, "policy").context
    return context


def cookies_secure(request: Request) -> bool:
    return policy_context(request).settings.platform_url.startswith("https://")


async def start_session(request: Request, principal: Principal, api_key_prefix: str | None,
                        then: str = ACCOUNT_PATH) -> Response:
    """Open a session for ``principal`` and send the browser on to ``then`` with its cookies."""
    policy = component(request, "policy")
    hours = policy.context.settings.session_hours
    async with policy.database.session() as session:
        token = await store.open_session(session, principal, hours, api_key_prefix)
        how = f"with API key {api_key_prefix}" if api_key_prefix else f"as {principal.kind.value}"
        record_change(session, policy.outbox, principal, action="session.opened", resource_type="session",
                      resource=principal.id, summary=f"signed in {how} for {hours:g} h")
    response = RedirectResponse(local_path(then), status_code=303)
    set_session_cookies(response, token, secure=cookies_secure(request), max_age_seconds=int(hours * 3600))
    return response


@router.get("/signin", response_class=HTMLResponse)
async def sign_in_page(request: Request, error: str = "", then: str = ACCOUNT_PATH) -> HTMLResponse:
    oidc = policy_context(request).settings.oidc_issuer
    oidc_button = (f'<p><a class="button" href="/auth/oidc/login?then={html.escape(local_path(then))}">Sign in with '
                   f'{html.escape(policy_context(request).settings.oidc_display_name)}</a></p><hr>' if oidc else "")
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return HTMLResponse(_page("Sign in to RunAgents", f"""{message}{oidc_button}
<form method="post" action="/auth/signin">
  <input type="hidden" name="then" value="{html.escape(local_path(then))}">
  <label for="key">API key</label>
  <input id="key" name="key" type="password" autocomplete="off" required>
  <button type="submit">Sign in with a key</button>
</form>
<p class="hint">Dev mode keeps an admin key in its data dir (<code>.runagents/admin.key</code>) and prints a
one-time sign-in link at start.</p>"""), status_code=401 if error else 200)


@router.post("/signin")
async def sign_in_with_key(request: Request, key: Annotated[str, Form()], then: Annotated[str, Form()] = ACCOUNT_PATH
                           ) -> Response:
    key = key.strip()
    # The process's own check of a Bearer key (its bootstrap admin keys, then the API keys); a service's key opens
    # no session for a person.
    authenticator = authentication_of(request).authenticator
    principal = await authenticator.authenticate(Credential(CredentialKind.BEARER, key)) \
        if key and authenticator is not None else None
    if principal is None or principal.kind is PrincipalKind.SERVICE:
        return await sign_in_page(request, error="That key is not valid: unknown, revoked or expired.", then=then)
    # A session opened with an API key stands or falls with it.
    return await start_session(request, principal, prefix_of(key) if principal.kind is PrincipalKind.API_KEY
                               else None, then)


@router.get("/signin/link")
async def sign_in_with_link(request: Request, code: str = "") -> Response:
    if not code or not policy_context(request).sign_in_links.redeem(code):
        return await sign_in_page(request, error="That sign-in link was used already or has expired: sign in with "
                                  "the admin key in the data dir (admin.key), or restart dev mode for a new link.")
    return await start_session(request, bootstrap_principal("data-dir"), None)


@router.post("/signout")
async def sign_out(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    sent = csrf or request.headers.get("x-csrf-token", "")
    if token:
        if not hmac.compare_digest(sent.encode(), csrf_token(token).encode()):
            return HTMLResponse(_page("Not signed out", "<p>The sign-out form is stale: reload the page and try "
                                      "again.</p>"), status_code=403)
        principal = await policy_context(request).principals.authenticate(Credential(CredentialKind.SESSION, token))
        policy = component(request, "policy")
        async with policy.database.session() as session:
            await store.close_session(session, token)
            policy_context(request).principals.forget_session(token)
            if principal is not None:
                record_change(session, policy.outbox, principal, action="session.closed", resource_type="session",
                              resource=principal.id, summary="signed out")
    response = RedirectResponse("/auth/signin", status_code=303)
    clear_session_cookies(response, secure=cookies_secure(request))
    return response


@router.get("/", response_class=HTMLResponse)
async def account(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    principal = await policy_context(request).principals.authenticate(Credential(CredentialKind.SESSION, token)) \
        if token else None
    if principal is None:
        return RedirectResponse("/auth/signin", status_code=303)
    return HTMLResponse(_page("Signed in", f"""<p>Signed in as <strong>{html.escape(principal.name)}</strong>
(<code>{html.escape(principal.id)}</code>), role <strong>{principal.role.value}</strong>.</p>
<p><a href="/docs">API documentation</a></p>
<form method="post" action="/auth/signout">
  <input type="hidden" name="csrf" value="{csrf_token(token or '')}">
  <button type="submit">Sign out</button>
</form>"""))


def local_path(path: str) -> str:
    """``path`` if it stays on this site, else the account page (no open redirect through ``then``)."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return ACCOUNT_PATH
    return path


def _page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#1c1c1e}}
label{{display:block;margin:.5rem 0 .25rem}} input{{width:100%;padding:.5rem;box-sizing:border-box}}
button,.button{{margin-top:.75rem;padding:.5rem 1rem;display:inline-block}} .error{{color:#b00020}}
.hint{{color:#555;font-size:.9rem}}
@media (prefers-color-scheme: dark){{body{{background:#111;color:#eee}} .hint{{color:#aaa}}}}
</style></head>
<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"""
