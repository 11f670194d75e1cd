"""The session's cookies: the token (HttpOnly) and its CSRF token (readable by the console's scripts)."""

from starlette.responses import Response

from runagents_common.auth import CSRF_COOKIE, SESSION_COOKIE, csrf_token


def set_session_cookies(response: Response, token: str, *, secure: bool, max_age_seconds: int) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age_seconds, path="/", httponly=True, secure=secure,
                        samesite="lax")
    response.set_cookie(CSRF_COOKIE, csrf_token(token), max_age=max_age_seconds, path="/", httponly=False,
                        secure=secure, samesite="strict")


def clear_session_cookies(response: Response, *, secure: bool) -> None:
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/", secure=secure, httponly=name == SESSION_COOKIE, samesite="lax")
