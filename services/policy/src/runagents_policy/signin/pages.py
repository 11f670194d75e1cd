"""Sign-in and sign-out for people: a page with the ways in (an API key pasted, the platform's OpenID Connect
provider when one is configured, the one-time link dev mode prints), and an account page."""

import hmac
import html
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from runagents_common.audit import record_change
from runagents_common.auth import SESSION_COOKIE, Credential, CredentialKind, Principal, PrincipalKind, Role, csrf_token
from runagents_common.auth.bootstrap import BootstrapKeys
from runagents_common.service import component
from runagents_policy.principals import store

if TYPE_CHECKING:
    from runagents_policy.component import PolicyContext
from runagents_policy.signin.cookies import clear_session_cookies, set_session_cookies

router = APIRouter(prefix="/auth", tags=["sign-in"], include_in_schema=False)

ACCOUNT_PATH = "/auth/"


def _context(request: Request) -> "PolicyContext":
    context: PolicyContext = component(request, "policy").context
    return context


def _secure(request: Request) -> bool:
    return _context(request).settings.platform_url.startswith("https://")


async def start_session(request: Request, principal: Principal, api_key_prefix: str | None,
                        then: str = ACCOUNT_PATH) -> Response:
    """Open a session for ``principal`` and send the browser on to ``then`` with its cookies."""
    context = _context(request)
    hours = context.settings.session_hours
    policy = component(request, "policy")
    async with policy.database.session() as session:
        token = await store.open_session(session, principal, hours, api_key_prefix)
        how = f"with API key {api_key_prefix}" if api_key_prefix else f"as {principal.kind.value}"
        record_change(session, policy.outbox, principal, action="session.opened", resource_type="session",
                      resource=principal.id, summary=f"signed in {how} for {hours:g} h")
    response = RedirectResponse(_local(then), status_code=303)
    set_session_cookies(response, token, secure=_secure(request), max_age_seconds=int(hours * 3600))
    return response


@router.get("/signin", response_class=HTMLResponse)
async def sign_in_page(request: Request, error: str = "", then: str = ACCOUNT_PATH) -> HTMLResponse:
    oidc = _context(request).settings.oidc_issuer
    oidc_button = (f'<p><a class="button" href="/auth/oidc/login?then={html.escape(_local(then))}">Sign in with '
                   f'{html.escape(_context(request).settings.oidc_display_name)}</a></p><hr>' if oidc else "")
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return HTMLResponse(_page("Sign in to RunAgents", f"""{message}{oidc_button}
<form method="post" action="/auth/signin">
  <input type="hidden" name="then" value="{html.escape(_local(then))}">
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
    bootstrap = BootstrapKeys(_context(request).settings.bootstrap_admin_keys())
    principal = await bootstrap.authenticate(Credential(CredentialKind.BEARER, key)) if key else None
    if principal is not None:
        return await start_session(request, principal, None, then)
    found = await _context(request).principals.key_for_sign_in(key) if key else None
    if found is None:
        return await sign_in_page(request, error="That key is not valid: unknown, revoked or expired.", then=then)
    return await start_session(request, found[0], found[1], then)


@router.get("/signin/link")
async def sign_in_with_link(request: Request, code: str = "") -> Response:
    if not code or not _context(request).sign_in_links.redeem(code):
        return await sign_in_page(request, error="That sign-in link was used already or has expired: sign in with "
                                  "the admin key in the data dir (admin.key), or restart dev mode for a new link.")
    principal = Principal(id="bootstrap:data-dir", kind=PrincipalKind.BOOTSTRAP_KEY,
                          name="dev admin (sign-in link)", role=Role.ADMIN)
    return await start_session(request, principal, None)


@router.post("/signout")
async def sign_out(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    sent = csrf or request.headers.get("x-csrf-token", "")
    if token:
        if not hmac.compare_digest(sent.encode(), csrf_token(token).encode()):
            return HTMLResponse(_page("Not signed out", "<p>The sign-out form is stale: reload the page and try "
                                      "again.</p>"), status_code=403)
        principal = await _context(request).principals.authenticate(Credential(CredentialKind.SESSION, token))
        policy = component(request, "policy")
        async with policy.database.session() as session:
            await store.close_session(session, token)
            _context(request).principals.forget_session(token)
            if principal is not None:
                record_change(session, policy.outbox, principal, action="session.closed", resource_type="session",
                              resource=principal.id, summary="signed out")
    response = RedirectResponse("/auth/signin", status_code=303)
    clear_session_cookies(response, secure=_secure(request))
    return response


@router.get("/", response_class=HTMLResponse)
async def account(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    principal = await _context(request).principals.authenticate(Credential(CredentialKind.SESSION, token)) \
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


def _local(path: str) -> str:
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
